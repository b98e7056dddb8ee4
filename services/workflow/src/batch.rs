//! Batch answers: each item is its own step in its own transaction, answered with its status as if
//! it were asked alone, and its record or its error.

use kc_http::{ApiError, ErrorBody};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// One item's answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemResult<T> {
    pub id: Uuid,
    pub status: u16,
    /// The record after the step (a step that was taken).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<T>,
    /// Why the step was not taken.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorBody>,
}

/// The answer to a batch: how many were done, how many failed, and each item's answer in order.
#[derive(Debug, Serialize, ToSchema)]
pub struct Outcome<T> {
    pub done: usize,
    pub failed: usize,
    pub results: Vec<ItemResult<T>>,
}

impl<T> Outcome<T> {
    pub fn of(items: Vec<(Uuid, Result<T, ApiError>)>) -> Outcome<T> {
        let results: Vec<ItemResult<T>> = items
            .into_iter()
            .map(|(id, r)| match r {
                Ok(record) => ItemResult {
                    id,
                    status: 200,
                    record: Some(record),
                    error: None,
                },
                Err(e) => ItemResult {
                    id,
                    status: e.status().as_u16(),
                    record: None,
                    error: Some(e.body()),
                },
            })
            .collect();
        let done = results.iter().filter(|r| r.status == 200).count();
        Outcome {
            done,
            failed: results.len() - done,
            results,
        }
    }
}
