//! The import's columns: the header (Vietnamese, as in the template; the key is accepted too), the
//! record field each fills, and what it holds.

/// (key, Vietnamese header, what it holds).
pub const COLUMNS: &[(&str, &str, &str)] = &[
    (
        "code",
        "Mã cụm công nghiệp",
        "Mã duy nhất trong tỉnh: chữ, số, . _ - (tối đa 40 ký tự)",
    ),
    ("name", "Tên cụm công nghiệp", "Tên đầy đủ"),
    (
        "communes",
        "Xã, phường",
        "Tên xã, phường trong danh mục của tỉnh; nhiều xã cách nhau bằng dấu ;",
    ),
    (
        "status",
        "Trạng thái",
        "in_plan, established, under_construction, operating, expanded, removed_from_plan, revoked",
    ),
    ("latitude", "Vĩ độ", "Độ Bắc, từ 8 đến 24, ví dụ 21.028511"),
    (
        "longitude",
        "Kinh độ",
        "Độ Đông, từ 102 đến 118, ví dụ 105.804817",
    ),
    (
        "planned_area_ha",
        "Diện tích quy hoạch (ha)",
        "Lớn hơn 0, không quá 75",
    ),
    (
        "industrial_area_ha",
        "Đất công nghiệp (ha)",
        "Không vượt diện tích quy hoạch",
    ),
    (
        "leased_area_ha",
        "Đất đã cho thuê (ha)",
        "Không vượt đất công nghiệp",
    ),
    (
        "investor_name",
        "Chủ đầu tư hạ tầng",
        "Để trống nếu chưa có",
    ),
    (
        "investor_kind",
        "Loại chủ đầu tư",
        "state_unit (đơn vị nhà nước) hoặc enterprise (doanh nghiệp)",
    ),
    (
        "investor_tax_code",
        "Mã số thuế chủ đầu tư",
        "10 chữ số (có chữ số kiểm tra), hoặc 10-3",
    ),
    (
        "registered_capital",
        "Vốn hạ tầng đăng ký (đồng)",
        "Số nguyên đồng, không dấu chấm",
    ),
    (
        "realised_capital",
        "Vốn hạ tầng thực hiện (đồng)",
        "Số nguyên đồng",
    ),
    ("wastewater_exists", "Có trạm XLNT tập trung", "có / không"),
    (
        "wastewater_capacity_m3",
        "Công suất XLNT (m³/ngày đêm)",
        "Số nguyên, để trống nếu chưa có trạm",
    ),
    ("wastewater_operating", "XLNT đang vận hành", "có / không"),
    ("sectors", "Ngành nghề thu hút", "Cách nhau bằng dấu ;"),
    ("secondary_projects", "Số dự án thứ cấp", "Số nguyên"),
    (
        "secondary_capital",
        "Vốn dự án thứ cấp (đồng)",
        "Số nguyên đồng",
    ),
    ("workers", "Lao động", "Số nguyên"),
    (
        "decision_number",
        "Số quyết định thành lập",
        "Ví dụ 1520/QĐ-UBND; để trống nếu chưa thành lập",
    ),
    (
        "decision_date",
        "Ngày quyết định thành lập",
        "dd/mm/yyyy hoặc yyyy-mm-dd, không sau hôm nay",
    ),
    (
        "decision_issuer",
        "Cơ quan ban hành quyết định",
        "Ví dụ UBND tỉnh",
    ),
];

/// The column's index of a header cell (its Vietnamese header or its key, case and spaces ignored).
pub fn index_of(header: &str) -> Option<usize> {
    let h = header.trim().to_lowercase();
    COLUMNS
        .iter()
        .position(|(key, vi, _)| h == *key || h == vi.to_lowercase())
}

/// The Vietnamese header of a record field (for errors), or the field itself.
pub fn header_of(field: &str) -> String {
    let key = match field {
        "commune_ids" => "communes",
        "decisions" => "decision_number",
        f => f,
    };
    COLUMNS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, vi, _)| (*vi).to_owned())
        .unwrap_or_else(|| field.to_owned())
}
