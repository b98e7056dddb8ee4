//! The account e-mails identity asks for (a registration received, verified or rejected, a
//! registration with an address that already has an account, a password reset), recorded and queued like every other e-mail. The
//! reset link is never stored: the body holds `{{secret}}` and the link travels as the outbox event's
//! secret.

use super::MailConfig;
use super::compose::{Letter, render};
use super::send::SECRET;
use super::store::{self, NewDelivery};
use kc_events::{AnyEvent, Event};
use kc_kernel::{DeliveryKind, format_date_vn};
use sea_orm::{ConnectionTrait, DbErr};

/// Record and queue the e-mail an identity event asks for; what was done, for the log. Other events:
/// nothing.
pub async fn record<C: ConnectionTrait>(
    c: &C,
    event: &AnyEvent,
    config: &MailConfig,
) -> Result<String, DbErr> {
    let portal = config.portal_url.trim_end_matches('/');
    let (key, province, user, to, name, title, paragraphs, link, secret) = match event {
        AnyEvent::PasswordResetRequested(e) => (
            e.reference(),
            e.province,
            e.user_id,
            e.to.clone(),
            e.full_name.clone(),
            "Đặt lại mật khẩu tài khoản Khuyến công".to_owned(),
            vec![
                "Có yêu cầu đặt lại mật khẩu cho tài khoản của bạn. Mở liên kết dưới đây để đặt mật khẩu mới.".to_owned(),
                format!(
                    "Liên kết có hiệu lực đến {} (giờ Việt Nam). Nếu bạn không yêu cầu, hãy bỏ qua thư này.",
                    e.expires_at
                        .with_timezone(&kc_kernel::vietnam())
                        .format("%H:%M ngày %d/%m/%Y")
                ),
            ],
            SECRET.to_owned(),
            e.reset_link.clone(),
        ),
        AnyEvent::RegistrationReceived(e) => (
            e.reference(),
            Some(e.province),
            e.user_id,
            e.to.clone(),
            e.full_name.clone(),
            format!("Đã nhận đăng ký của {}", e.organisation_name),
            vec![
                format!(
                    "Hệ thống đã nhận đăng ký tài khoản cho {}. Trung tâm Khuyến công của tỉnh sẽ xác minh và báo kết quả qua thư này.",
                    e.organisation_name
                ),
                format!("Ngày nhận: {}.", format_date_vn(kc_kernel::today_vn())),
            ],
            format!("{portal}/dang-nhap"),
            None,
        ),
        AnyEvent::RegistrationEmailInUse(e) => (
            e.reference(),
            e.province,
            e.user_id,
            e.to.clone(),
            e.full_name.clone(),
            "Có người đăng ký bằng địa chỉ thư của bạn".to_owned(),
            vec![
                "Ai đó vừa đăng ký tài khoản mới bằng địa chỉ thư này, nhưng địa chỉ đã có tài khoản.".to_owned(),
                "Nếu đó là bạn, hãy đăng nhập, hoặc đặt lại mật khẩu nếu đã quên. Nếu không, bạn không cần làm gì.".to_owned(),
            ],
            format!("{portal}/quen-mat-khau"),
            None,
        ),
        AnyEvent::RegistrationDecided(e) if e.verified => (
            e.reference(),
            Some(e.province),
            e.user_id,
            e.to.clone(),
            e.full_name.clone(),
            format!("Tài khoản của {} đã được xác minh", e.organisation_name),
            vec![
                format!(
                    "Trung tâm Khuyến công đã xác minh đăng ký của {}. Bạn có thể đăng nhập và nộp hồ sơ đề nghị hỗ trợ.",
                    e.organisation_name
                ),
            ],
            format!("{portal}/dang-nhap"),
            None,
        ),
        AnyEvent::RegistrationDecided(e) => (
            e.reference(),
            Some(e.province),
            e.user_id,
            e.to.clone(),
            e.full_name.clone(),
            format!("Đăng ký của {} chưa được chấp nhận", e.organisation_name),
            vec![
                format!(
                    "Trung tâm Khuyến công chưa chấp nhận đăng ký của {}.",
                    e.organisation_name
                ),
                format!(
                    "Lý do: {}",
                    e.reason.as_deref().unwrap_or("(không ghi lý do)")
                ),
                "Bạn có thể đăng ký lại với thông tin đã sửa, hoặc liên hệ Trung tâm Khuyến công của tỉnh.".to_owned(),
            ],
            format!("{portal}/dang-ky"),
            None,
        ),
        _ => return Ok("no e-mail".into()),
    };
    let letter = Letter {
        to_name: name.clone(),
        title,
        paragraphs,
        due: None,
        link: Some(link),
        from_name: config.default_from_name.clone(),
        reply_to: false,
    };
    let r = render(&letter).map_err(|e| DbErr::Custom(format!("template: {e}")))?;
    let n = store::record(
        c,
        &[NewDelivery {
            key,
            province_id: province,
            user_id: Some(user),
            obligation_id: None,
            kind: DeliveryKind::Account,
            to_address: to,
            to_name: Some(name),
            from_name: config.default_from_name.clone(),
            reply_to: None,
            subject: r.subject,
            text_body: r.text,
            html_body: r.html,
            calendar: None,
        }],
        secret.as_deref(),
    )
    .await?;
    Ok(format!("account e-mail recorded: {n}"))
}
