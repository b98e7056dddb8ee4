//! Small helpers every store uses: counting rows, literal search patterns.

use crate::stmt;
use sea_orm::{ConnectionTrait, DbErr};

/// `SELECT count(*) AS n ...` as a number.
pub async fn count<C, I>(c: &C, sql: &str, values: I) -> Result<i64, DbErr>
where
    C: ConnectionTrait,
    I: IntoIterator<Item = sea_orm::Value>,
{
    let row = c.query_one_raw(stmt(sql, values)).await?;
    Ok(row
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0))
}

/// A search text as a `LIKE` pattern that matches it literally anywhere (`%` and `_` escaped).
pub fn contains_pattern(text: &str) -> String {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// As [`contains_pattern`], anchored at the start.
pub fn prefix_pattern(text: &str) -> String {
    let mut p = contains_pattern(text);
    p.remove(0);
    p
}

#[cfg(test)]
mod tests {
    #[test]
    fn patterns_escape_wildcards() {
        assert_eq!(super::contains_pattern("a%b_c\\"), "%a\\%b\\_c\\\\%");
        assert_eq!(super::prefix_pattern("01%"), "01\\%%");
    }
}
