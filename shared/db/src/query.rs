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

/// Lock the row `id` of `table` (a name written in the code, never input) until the transaction ends;
/// whether it exists as the transaction's tenant sees it. A record read from a view over the row is
/// then read after the lock, so that it is never a version another transaction has just replaced
/// (under READ COMMITTED, `FOR UPDATE` on a join re-reads only the locked row).
pub async fn lock_row<C: ConnectionTrait>(
    c: &C,
    table: &str,
    id: uuid::Uuid,
) -> Result<bool, DbErr> {
    Ok(c.query_one_raw(stmt(
        &format!("SELECT 1 FROM {table} WHERE id = $1 FOR UPDATE"),
        [id.into()],
    ))
    .await?
    .is_some())
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
