//! The difference between two submitted versions: the fields that changed, old and new.

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// One changed field.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Change {
    pub field: String,
    /// The value in the first version (`null`: empty).
    #[schema(value_type = Object)]
    pub old: Value,
    /// The value in the second version.
    #[schema(value_type = Object)]
    pub new: Value,
}

/// The fields whose values differ between two versions' content, in field order. A field missing
/// from one side counts as `null`.
pub fn diff(a: &Value, b: &Value) -> Vec<Change> {
    let empty = serde_json::Map::new();
    let (a, b) = (
        a.as_object().unwrap_or(&empty),
        b.as_object().unwrap_or(&empty),
    );
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|k| {
            let (old, new) = (
                a.get(k).cloned().unwrap_or(Value::Null),
                b.get(k).cloned().unwrap_or(Value::Null),
            );
            (old != new).then(|| Change {
                field: k.clone(),
                old,
                new,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_changed_fields_are_listed_with_both_values() {
        let a = json!({"title": "Máy sấy", "total_cost": "100", "commune": "Xã A", "gone": 1});
        let b = json!({"title": "Máy sấy", "total_cost": "120", "commune": "Xã B", "new": true});
        let d = diff(&a, &b);
        let fields: Vec<_> = d.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["commune", "gone", "new", "total_cost"]);
        assert_eq!(d[3].old, json!("100"));
        assert_eq!(d[3].new, json!("120"));
        assert_eq!(d[1].new, Value::Null);
        assert!(diff(&a, &a).is_empty());
    }
}
