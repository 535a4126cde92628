//! Ratings of cases (好差评) and the rectifications a 差评 opens.

use crate::codec::{corrupt, json, parse_date};
use crate::{Result, StoreError};
use tongban_domain::evaluation::{Channel, Rating};
use tongban_domain::{DepartmentId, HallId, ItemCode, UserId};

/// A rating to record.
#[derive(Debug, Clone)]
pub struct NewEvaluation {
    /// The case rated.
    pub case_id: tongban_domain::CaseId,
    /// Online or window.
    pub channel: tongban_domain::evaluation::Channel,
    /// The grades and comment.
    pub rating: tongban_domain::evaluation::Rating,
    /// The receiving hall (window service).
    pub hall: Option<tongban_domain::HallId>,
    /// The deciding department.
    pub department: tongban_domain::DepartmentId,
    /// The item.
    pub item: ItemCode,
    /// The rating account, if signed in.
    pub rated_by: Option<UserId>,
    /// When, unix ms.
    pub at: i64,
}

/// A recorded rating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvaluationRecord {
    /// Id.
    pub id: i64,
    /// The case.
    pub case_id: tongban_domain::CaseId,
    /// Online or window.
    pub channel: tongban_domain::evaluation::Channel,
    /// The grades and comment.
    pub rating: tongban_domain::evaluation::Rating,
    /// The receiving hall.
    pub hall: Option<tongban_domain::HallId>,
    /// The deciding department.
    pub department: tongban_domain::DepartmentId,
    /// The item.
    pub item: ItemCode,
    /// When, unix ms.
    pub at: i64,
}

/// Who answers for a 差评.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Responsible {
    /// The hall that served at the window.
    Hall(tongban_domain::HallId),
    /// The department that served online.
    Department(tongban_domain::DepartmentId),
}

/// A rectification as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RectificationRecord {
    /// Id.
    pub id: i64,
    /// The rating that opened it.
    pub evaluation_id: i64,
    /// The case.
    pub case_id: tongban_domain::CaseId,
    /// Who answers for it.
    pub responsible: Responsible,
    /// Opened.
    pub opened_on: time::Date,
    /// Due.
    pub due_on: time::Date,
    /// `open` or `closed`.
    pub status: String,
    /// Follow-up records: JSON `[{"at", "by", "note"}]`.
    pub follow_ups: String,
    /// The closing explanation.
    pub explanation: Option<String>,
    /// Closed at, unix ms.
    pub closed_at: Option<i64>,
}

/// A change to a rectification.
#[derive(Debug, Clone)]
pub enum RectificationStep {
    /// A follow-up note.
    FollowUp {
        /// Who.
        by: UserId,
        /// When, unix ms.
        at: i64,
        /// What was done.
        note: String,
    },
    /// Closed with an explanation.
    Close {
        /// Who.
        by: UserId,
        /// When, unix ms.
        at: i64,
        /// How it was rectified.
        explanation: String,
    },
}

/// What ratings and rectifications ask of a database.
#[async_trait::async_trait]
pub trait EvaluationStore: Send + Sync {
    /// Records a rating and, for a 差评, its rectification (due on
    /// `due_on`), in one transaction; `Conflict` when the case was rated.
    async fn rate_case(
        &self,
        e: &NewEvaluation,
        rectify: Option<(Responsible, time::Date, time::Date)>,
    ) -> Result<(EvaluationRecord, Option<RectificationRecord>)>;

    /// Ratings: of one case, or all (newest first).
    async fn evaluations(
        &self,
        case_id: Option<tongban_domain::CaseId>,
    ) -> Result<Vec<EvaluationRecord>>;

    /// The rectifications an actor sees (the one rule, as SQL), newest first.
    async fn rectifications(
        &self,
        visible: tongban_domain::authz::RectificationVisibility,
    ) -> Result<Vec<RectificationRecord>>;

    /// One rectification; `NotFound` if there is none.
    async fn rectification(&self, id: i64) -> Result<RectificationRecord>;

    /// The rectification a rating opened, if any.
    async fn rectification_of(&self, evaluation_id: i64) -> Result<Option<RectificationRecord>>;

    /// Adds a follow-up to, or closes, an open rectification; `Conflict` once closed.
    async fn rectification_step(
        &self,
        id: i64,
        step: &RectificationStep,
    ) -> Result<RectificationRecord>;
}

/// An `evaluations` row, as [`EVALUATION_COLUMNS`] reads it.
#[derive(sqlx::FromRow)]
pub(crate) struct EvaluationRow {
    id: i64,
    case_id: i64,
    channel: String,
    grades: String,
    comment: String,
    hall_id: Option<i64>,
    department_id: i64,
    item_code: String,
    rated_at: i64,
}

impl TryFrom<EvaluationRow> for EvaluationRecord {
    type Error = StoreError;
    fn try_from(r: EvaluationRow) -> Result<Self> {
        Ok(EvaluationRecord {
            id: r.id,
            case_id: tongban_domain::CaseId(r.case_id),
            channel: Channel::parse(&r.channel).ok_or_else(|| corrupt("channel", &r.channel))?,
            rating: Rating {
                grades: json("grades", &r.grades)?,
                comment: r.comment,
            },
            hall: r.hall_id.map(HallId),
            department: DepartmentId(r.department_id),
            item: ItemCode(r.item_code),
            at: r.rated_at,
        })
    }
}

/// A `rectifications` row, as [`RECTIFICATION_COLUMNS`] reads it.
#[derive(sqlx::FromRow)]
pub(crate) struct RectificationRow {
    id: i64,
    evaluation_id: i64,
    case_id: i64,
    hall_id: Option<i64>,
    department_id: Option<i64>,
    opened_on: String,
    due_on: String,
    status: String,
    follow_ups: String,
    explanation: Option<String>,
    closed_at: Option<i64>,
}

impl TryFrom<RectificationRow> for RectificationRecord {
    type Error = StoreError;
    fn try_from(r: RectificationRow) -> Result<Self> {
        let responsible = match (r.hall_id, r.department_id) {
            (Some(h), _) => Responsible::Hall(HallId(h)),
            (None, Some(d)) => Responsible::Department(DepartmentId(d)),
            (None, None) => return Err(corrupt("rectification", "no one responsible")),
        };
        Ok(RectificationRecord {
            id: r.id,
            evaluation_id: r.evaluation_id,
            case_id: tongban_domain::CaseId(r.case_id),
            responsible,
            opened_on: parse_date(&r.opened_on)?,
            due_on: parse_date(&r.due_on)?,
            status: r.status,
            follow_ups: r.follow_ups,
            explanation: r.explanation,
            closed_at: r.closed_at,
        })
    }
}

/// The columns of an evaluation row.
pub(crate) const EVALUATION_COLUMNS: &str = "id, case_id, channel, overall, grades, comment, hall_id, department_id, item_code, rated_by, rated_at";

/// The columns of a rectification row.
pub(crate) const RECTIFICATION_COLUMNS: &str = "id, evaluation_id, case_id, hall_id, department_id, opened_on, due_on, status, \
    follow_ups, explanation, closed_at";

/// Implements [`EvaluationStore`] for `$ty` with the SQL both backends share.
macro_rules! impl_evaluations {
    ($ty:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::evaluations::EvaluationStore for $ty {
            async fn rate_case(
                &self,
                e: &$crate::NewEvaluation,
                rectify: Option<($crate::Responsible, time::Date, time::Date)>,
            ) -> $crate::Result<($crate::EvaluationRecord, Option<$crate::RectificationRecord>)> {
                let mut tx = self.begin_write().await?;
                let evaluation: $crate::EvaluationRecord = sqlx::query_as::<_, $crate::evaluations::EvaluationRow>(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO evaluations (case_id, channel, overall, grades, comment, hall_id, department_id, item_code,
                       rated_by, rated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING {}",
                    $crate::evaluations::EVALUATION_COLUMNS
                )))
                .bind(e.case_id.0)
                .bind(e.channel.as_str())
                .bind(i64::from(e.rating.overall()))
                .bind($crate::codec::to_json(&e.rating.grades)?)
                .bind(&e.rating.comment)
                .bind(e.hall.map(|h| h.0))
                .bind(e.department.0)
                .bind(e.item.as_str())
                .bind(e.rated_by.map(|u| u.0))
                .bind(e.at)
                .fetch_one(&mut *tx)
                .await?
                .try_into()?;
                let rect = match rectify {
                    None => None,
                    Some((who, opened, due)) => {
                        let (hall, dept) = match who {
                            $crate::Responsible::Hall(h) => (Some(h.0), None),
                            $crate::Responsible::Department(d) => (None, Some(d.0)),
                        };
                        let id: i64 = sqlx::query_scalar(
                            "INSERT INTO rectifications (evaluation_id, case_id, hall_id, department_id, opened_on, due_on, status)
                             VALUES ($1, $2, $3, $4, $5, $6, 'open') RETURNING id",
                        )
                        .bind(evaluation.id)
                        .bind(e.case_id.0)
                        .bind(hall)
                        .bind(dept)
                        .bind($crate::codec::date_str(opened))
                        .bind($crate::codec::date_str(due))
                        .fetch_one(&mut *tx)
                        .await?;
                        Some(Self::load_rectification(&mut tx, id).await?)
                    }
                };
                tx.commit().await?;
                Ok((evaluation, rect))
            }

            async fn evaluations(&self, case_id: Option<tongban_domain::CaseId>) -> $crate::Result<Vec<$crate::EvaluationRecord>> {
                sqlx::query_as::<_, $crate::evaluations::EvaluationRow>(sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM evaluations WHERE ($1 IS NULL OR case_id = $1) ORDER BY id DESC",
                    $crate::evaluations::EVALUATION_COLUMNS
                )))
                .bind(case_id.map(|c| c.0))
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map($crate::EvaluationRecord::try_from)
                .collect()
            }

            async fn rectifications(
                &self,
                visible: tongban_domain::authz::RectificationVisibility,
            ) -> $crate::Result<Vec<$crate::RectificationRecord>> {
                use tongban_domain::authz::RectificationVisibility as V;
                // One query per shape of the rule, each on its index.
                let (where_, id) = match visible {
                    V::All => ("TRUE", 0),
                    V::Hall(h) => ("hall_id = $1", h.0),
                    V::Department(d) => ("department_id = $1", d.0),
                    V::Nothing => return Ok(vec![]),
                };
                let sql = format!(
                    "SELECT {} FROM rectifications WHERE {where_} ORDER BY id DESC",
                    $crate::evaluations::RECTIFICATION_COLUMNS
                );
                let q = sqlx::query_as::<_, $crate::evaluations::RectificationRow>(sqlx::AssertSqlSafe(sql));
                let q = if id == 0 { q } else { q.bind(id) };
                q.fetch_all(&self.pool)
                    .await?
                    .into_iter()
                    .map($crate::RectificationRecord::try_from)
                    .collect()
            }

            async fn rectification(&self, id: i64) -> $crate::Result<$crate::RectificationRecord> {
                let mut conn = self.pool.acquire().await?;
                Self::load_rectification(&mut conn, id).await
            }

            async fn rectification_of(&self, evaluation_id: i64) -> $crate::Result<Option<$crate::RectificationRecord>> {
                sqlx::query_as::<_, $crate::evaluations::RectificationRow>(sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM rectifications WHERE evaluation_id = $1",
                    $crate::evaluations::RECTIFICATION_COLUMNS
                )))
                .bind(evaluation_id)
                .fetch_optional(&self.pool)
                .await?
                .map($crate::RectificationRecord::try_from)
                .transpose()
            }

            async fn rectification_step(
                &self,
                id: i64,
                step: &$crate::RectificationStep,
            ) -> $crate::Result<$crate::RectificationRecord> {
                let mut tx = self.begin_write().await?;
                let current = Self::load_rectification(&mut tx, id).await?;
                if current.status != "open" {
                    return Err($crate::StoreError::Conflict("rectification closed".into()));
                }
                match step {
                    $crate::RectificationStep::FollowUp { by, at, note } => {
                        let mut list: Vec<serde_json::Value> = $crate::codec::json("follow_ups", &current.follow_ups)?;
                        list.push(serde_json::json!({"at": at, "by": by.0, "note": note}));
                        sqlx::query("UPDATE rectifications SET follow_ups = $1 WHERE id = $2 AND status = 'open'")
                            .bind($crate::codec::to_json(&list)?)
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    $crate::RectificationStep::Close { by, at, explanation } => {
                        sqlx::query(
                            "UPDATE rectifications SET status = 'closed', explanation = $1, closed_by = $2, closed_at = $3
                             WHERE id = $4 AND status = 'open'",
                        )
                        .bind(explanation)
                        .bind(by.0)
                        .bind(at)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                let out = Self::load_rectification(&mut tx, id).await?;
                tx.commit().await?;
                Ok(out)
            }
        }

        impl $ty {
            async fn load_rectification(
                conn: &mut <$db as sqlx::Database>::Connection,
                id: i64,
            ) -> $crate::Result<$crate::RectificationRecord> {
                sqlx::query_as::<_, $crate::evaluations::RectificationRow>(sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM rectifications WHERE id = $1",
                    $crate::evaluations::RECTIFICATION_COLUMNS
                )))
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or($crate::StoreError::NotFound)?
                .try_into()
            }
        }
    };
}
pub(crate) use impl_evaluations;
