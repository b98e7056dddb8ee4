//! What a file is, from its bytes: the allowed types and the extensions each may carry.

use sha2::{Digest, Sha256};

/// An allowed type of document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    pub mime: &'static str,
    /// The extensions a file of this type may have (lower case).
    pub extensions: &'static [&'static str],
    pub label: &'static str,
}

/// The types a document may be: PDF, JPEG and PNG scans and photos, Word and Excel files.
pub const ALLOWED: &[Kind] = &[
    Kind {
        mime: "application/pdf",
        extensions: &["pdf"],
        label: "PDF",
    },
    Kind {
        mime: "image/jpeg",
        extensions: &["jpg", "jpeg"],
        label: "JPEG",
    },
    Kind {
        mime: "image/png",
        extensions: &["png"],
        label: "PNG",
    },
    Kind {
        mime: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        extensions: &["docx"],
        label: "Word (DOCX)",
    },
    Kind {
        mime: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        extensions: &["xlsx"],
        label: "Excel (XLSX)",
    },
    // Word 97 and Excel 97 files share one container format (OLE).
    Kind {
        mime: "application/x-ole-storage",
        extensions: &["doc", "xls"],
        label: "Word/Excel 97",
    },
];

/// Why a file is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    Empty,
    /// The content is none of the allowed types.
    Forbidden,
    /// The content is of an allowed type that the file name's extension does not match.
    Mismatch {
        detected: &'static str,
        extension: String,
    },
}

impl Refusal {
    pub fn message(&self) -> String {
        let allowed = "PDF, JPEG, PNG, DOCX, XLSX, DOC, XLS";
        match self {
            Refusal::Empty => "Tệp rỗng (the file is empty)".into(),
            Refusal::Forbidden => {
                format!("Loại tệp không được chấp nhận; chỉ nhận {allowed} (file type not allowed)")
            }
            Refusal::Mismatch {
                detected,
                extension,
            } => format!(
                "Nội dung tệp là {detected} nhưng tên tệp có đuôi \".{extension}\" (the content does not match the extension)"
            ),
        }
    }
}

/// The allowed type of `bytes`, checked against the extension of `filename`.
pub fn classify(bytes: &[u8], filename: &str) -> Result<Kind, Refusal> {
    if bytes.is_empty() {
        return Err(Refusal::Empty);
    }
    let mime = infer::get(bytes)
        .map(|t| t.mime_type())
        .ok_or(Refusal::Forbidden)?;
    let kind = ALLOWED
        .iter()
        .find(|k| k.mime == mime)
        .ok_or(Refusal::Forbidden)?;
    let extension = filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if !kind.extensions.contains(&extension.as_str()) {
        return Err(Refusal::Mismatch {
            detected: kind.label,
            extension,
        });
    }
    Ok(*kind)
}

/// The SHA-256 of the bytes, in lower-case hex.
pub fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PDF: &[u8] = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n";
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0";

    #[test]
    fn the_content_decides_and_the_extension_must_agree() {
        assert_eq!(
            classify(PDF, "de-nghi.PDF").map(|k| k.mime),
            Ok("application/pdf")
        );
        assert_eq!(classify(PNG, "anh.png").map(|k| k.mime), Ok("image/png"));
        assert_eq!(
            classify(PDF, "bao-gia.jpg"),
            Err(Refusal::Mismatch {
                detected: "PDF",
                extension: "jpg".into()
            })
        );
        // A script renamed to .pdf is no PDF.
        assert_eq!(
            classify(b"#!/bin/sh\nrm -rf /\n", "x.pdf"),
            Err(Refusal::Forbidden)
        );
        assert_eq!(
            classify(b"MZ\x90\0\x03\0\0\0", "setup.pdf"),
            Err(Refusal::Forbidden)
        );
        assert_eq!(classify(b"", "x.pdf"), Err(Refusal::Empty));
        assert_eq!(
            classify(PDF, "no-extension"),
            Err(Refusal::Mismatch {
                detected: "PDF",
                extension: String::new()
            })
        );
    }

    #[test]
    fn the_digest_is_sha256() {
        assert_eq!(
            sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
