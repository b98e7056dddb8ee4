//! The life cycle of an account (an organisation or a user): who may move it from which status to
//! which. The one place of this rule.
//!
//! ```text
//! pending --centre verifies--> active <--admin--> disabled
//! pending --centre rejects---> rejected
//! ```

use kc_http::ApiError;
use kc_kernel::AccountStatus;

/// Who changes the status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    /// An administrator (ministry or province department): switches accounts on and off.
    Admin,
    /// The province's extension centre: decides registrations.
    Centre,
}

/// May `by` move an account from `from` to `to`? The statuses `by` may never set are a 422 naming
/// `status`; a record in the wrong status for the change is a 409.
pub fn check(from: AccountStatus, to: AccountStatus, by: By) -> Result<(), ApiError> {
    use AccountStatus::*;
    match by {
        By::Admin => {
            if !matches!(to, Active | Disabled) {
                return Err(ApiError::field(
                    "status",
                    "Trạng thái chỉ có thể là active hoặc disabled (status must be active or disabled)",
                ));
            }
            if !matches!(from, Active | Disabled) {
                return Err(ApiError::Conflict(format!(
                    "Bản ghi đang ở trạng thái {from}: việc xác minh do Trung tâm Khuyến công thực hiện (a {from} registration is decided by the centre)"
                )));
            }
        }
        By::Centre => {
            if from != Pending {
                return Err(ApiError::Conflict(format!(
                    "Đăng ký này đã được xử lý (registration already decided: {from})"
                )));
            }
            if !matches!(to, Active | Rejected) {
                return Err(ApiError::field(
                    "status",
                    "Chỉ có thể xác minh hoặc từ chối (verify or reject only)",
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use AccountStatus::*;

    #[test]
    fn every_transition() {
        for from in AccountStatus::ALL {
            for to in AccountStatus::ALL {
                let admin = check(from, to, By::Admin).is_ok();
                let centre = check(from, to, By::Centre).is_ok();
                assert_eq!(
                    admin,
                    matches!(from, Active | Disabled) && matches!(to, Active | Disabled),
                    "admin {from} -> {to}"
                );
                assert_eq!(
                    centre,
                    from == Pending && matches!(to, Active | Rejected),
                    "centre {from} -> {to}"
                );
            }
        }
        assert_eq!(check(Pending, Active, By::Admin).unwrap_err().status(), 409);
        assert_eq!(check(Active, Pending, By::Admin).unwrap_err().status(), 422);
    }
}
