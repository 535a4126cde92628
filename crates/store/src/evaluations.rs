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

/// A rectification as stored, with what it is about: the rating that
/// opened it and its case.
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
    /// The rating's overall grade.
    pub overall: u8,
    /// The rating's comment.
    pub comment: String,
    /// The case's number.
    pub case_no: String,
    /// The case's item name.
    pub item_name: String,
}

/// Where a page of rectifications starts. The list is the open ones by
/// due day (so the overdue first), then the closed ones, latest due first;
/// each part is one index range per visibility branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RectificationKey {
    /// After this open one (due day, id).
    Open {
        /// Its due day.
        due_on: time::Date,
        /// Its id.
        id: i64,
    },
    /// The closed ones: from the first, or after this one (due day, id).
    Closed(Option<(time::Date, i64)>),
}

/// A page of rectifications.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RectificationPage {
    /// The rows, in list order.
    pub rows: Vec<RectificationRecord>,
    /// Where the next page starts; none on the last page.
    pub next: Option<RectificationKey>,
}

/// What rating statistics are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatsBy {
    /// The deciding department.
    Department,
    /// The receiving hall; online service counts under the key `online`.
    Hall,
    /// The item.
    Item,
}

impl StatsBy {
    /// Every grouping, in the order a rating's counters are written (the
    /// same order in every transaction, so writers never deadlock).
    pub const ALL: [StatsBy; 3] = [StatsBy::Department, StatsBy::Hall, StatsBy::Item];

    /// As stored in the counters' `dimension` column.
    pub fn as_str(self) -> &'static str {
        match self {
            StatsBy::Department => "department",
            StatsBy::Hall => "hall",
            StatsBy::Item => "item",
        }
    }

    /// The key a rating of `hall`, `department` and `item` counts under.
    pub fn key(self, hall: Option<HallId>, department: DepartmentId, item: &ItemCode) -> String {
        match self {
            StatsBy::Department => department.0.to_string(),
            StatsBy::Hall => hall.map_or_else(|| "online".to_owned(), |h| h.0.to_string()),
            StatsBy::Item => item.0.clone(),
        }
    }
}

/// The counters of one department, hall or item.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StatCounts {
    /// Department or hall id (`online` for online service), or item code.
    pub key: String,
    /// Ratings per overall grade, 1 to 5.
    pub by_grade: [i64; 5],
    /// 差评 whose rectification was closed.
    pub rectified: i64,
    /// 差评 whose rectification is open past its due day.
    pub overdue: i64,
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

    /// The rating of a case, if any.
    async fn evaluation_of(
        &self,
        case_id: tongban_domain::CaseId,
    ) -> Result<Option<EvaluationRecord>>;

    /// A page of the rectifications an actor sees (the one rule, as SQL):
    /// at most `limit` from `after` on (see [`RectificationKey`]).
    async fn rectification_page(
        &self,
        visible: tongban_domain::authz::RectificationVisibility,
        after: Option<RectificationKey>,
        limit: i64,
    ) -> Result<RectificationPage>;

    /// The rating statistics `by` department, hall or item, ordered by key
    /// (byte-wise): the counters kept with every rating and closing, and
    /// the open rectifications due before `today`.
    async fn evaluation_stats(&self, by: StatsBy, today: time::Date) -> Result<Vec<StatCounts>>;

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

/// A `rectifications` row with its rating and case, as
/// [`RECTIFICATION_SELECT`] reads it.
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
    overall: i64,
    comment: String,
    case_no: String,
    item_name: String,
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
            overall: u8::try_from(r.overall)
                .map_err(|_| corrupt("overall", &r.overall.to_string()))?,
            comment: r.comment,
            case_no: r.case_no,
            item_name: r.item_name,
        })
    }
}

/// The columns of an evaluation row.
pub(crate) const EVALUATION_COLUMNS: &str = "id, case_id, channel, overall, grades, comment, hall_id, department_id, item_code, rated_by, rated_at";

/// A rectification with its rating's grade and comment and its case's
/// number and item (each joined by primary key), before `WHERE`.
pub(crate) const RECTIFICATION_SELECT: &str = "SELECT r.id, r.evaluation_id, r.case_id, r.hall_id, r.department_id, \
    r.opened_on, r.due_on, r.status, r.follow_ups, r.explanation, r.closed_at, e.overall, e.comment, c.case_no, c.item_name \
    FROM rectifications r JOIN evaluations e ON e.id = r.evaluation_id JOIN cases c ON c.id = r.case_id";

/// The counters of one grouping, by key (on the primary key).
pub(crate) const STATS_SQL: &str = "SELECT key, g1, g2, g3, g4, g5, rectified FROM evaluation_counts WHERE dimension = $1 ORDER BY key";

/// The open rectifications of one grouping due before a day, per key (on
/// the primary key: keys × due days of open rectifications, not ratings).
pub(crate) const OVERDUE_SQL: &str = "SELECT key, CAST(SUM(n) AS BIGINT) FROM open_rectification_counts \
    WHERE dimension = $1 AND due_on < $2 GROUP BY key";

pub(crate) use crate::codec::Bind;

/// One stretch of a page: `visible`'s open (by due day, then id) or closed
/// (latest due first) rectifications after `after`, at most `limit`; each
/// shape is one range of the visibility branch's index
/// (`rectifications_hall_due`, `rectifications_department_due`,
/// `rectifications_due`). `None` when the actor sees none.
pub(crate) fn page_query(
    visible: tongban_domain::authz::RectificationVisibility,
    open: bool,
    after: Option<(time::Date, i64)>,
    limit: i64,
) -> Option<(String, Vec<Bind>)> {
    use tongban_domain::authz::RectificationVisibility as V;
    let mut binds = Vec::new();
    let mut cond = String::new();
    match visible {
        V::All => {}
        V::Hall(h) => {
            binds.push(Bind::Int(h.0));
            cond.push_str("r.hall_id = $1 AND ");
        }
        V::Department(d) => {
            binds.push(Bind::Int(d.0));
            cond.push_str("r.department_id = $1 AND ");
        }
        V::Nothing => return None,
    }
    cond.push_str(if open {
        "r.status = 'open'"
    } else {
        "r.status = 'closed'"
    });
    if let Some((due, id)) = after {
        let n = binds.len();
        let op = if open { '>' } else { '<' };
        cond.push_str(&format!(
            " AND (r.due_on, r.id) {op} (${}, ${})",
            n + 1,
            n + 2
        ));
        binds.push(Bind::Text(crate::codec::date_str(due)));
        binds.push(Bind::Int(id));
    }
    let order = if open {
        "r.due_on, r.id"
    } else {
        "r.due_on DESC, r.id DESC"
    };
    binds.push(Bind::Int(limit));
    let sql = format!(
        "{RECTIFICATION_SELECT} WHERE {cond} ORDER BY {order} LIMIT ${}",
        binds.len()
    );
    Some((sql, binds))
}

/// Every query [`crate::BenchStore::evaluation_plans`] explains: (what, SQL, binds).
pub(crate) fn planned_queries() -> Vec<(String, String, Vec<Bind>)> {
    use tongban_domain::authz::RectificationVisibility as V;
    let day = time::macros::date!(2026 - 12 - 04);
    let mut out = Vec::new();
    for visible in [V::All, V::Hall(HallId(1)), V::Department(DepartmentId(1))] {
        for open in [true, false] {
            for after in [None, Some((day, 1))] {
                if let Some((sql, binds)) = page_query(visible, open, after, 21) {
                    let part = if open { "open" } else { "closed" };
                    let from = if after.is_some() {
                        "after a key"
                    } else {
                        "first"
                    };
                    out.push((
                        format!("rectifications {visible:?} {part} {from}"),
                        sql,
                        binds,
                    ));
                }
            }
        }
    }
    out.push((
        "statistics".into(),
        STATS_SQL.into(),
        vec![Bind::Text("department".into())],
    ));
    out.push((
        "statistics: overdue".into(),
        OVERDUE_SQL.into(),
        vec![
            Bind::Text("department".into()),
            Bind::Text(crate::codec::date_str(day)),
        ],
    ));
    // What the checks must catch: an order no index serves.
    out.push((
        "control: closed by closing time (no index)".into(),
        format!(
            "{RECTIFICATION_SELECT} WHERE r.status = 'closed' ORDER BY r.closed_at DESC LIMIT 21"
        ),
        vec![],
    ));
    out
}

/// Implements [`EvaluationStore`] for `$ty` with
/// the SQL both backends share.
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
                let keys = $crate::StatsBy::ALL.map(|by| by.key(e.hall, e.department, &e.item));
                let grade = |g: u8| i64::from(e.rating.overall() == g);
                sqlx::query(
                    "INSERT INTO evaluation_counts (dimension, key, g1, g2, g3, g4, g5, rectified)
                     VALUES ('department', $1, $2, $3, $4, $5, $6, 0), ('hall', $7, $2, $3, $4, $5, $6, 0),
                            ('item', $8, $2, $3, $4, $5, $6, 0)
                     ON CONFLICT (dimension, key) DO UPDATE SET g1 = evaluation_counts.g1 + excluded.g1,
                       g2 = evaluation_counts.g2 + excluded.g2, g3 = evaluation_counts.g3 + excluded.g3,
                       g4 = evaluation_counts.g4 + excluded.g4, g5 = evaluation_counts.g5 + excluded.g5",
                )
                .bind(&keys[0])
                .bind(grade(1))
                .bind(grade(2))
                .bind(grade(3))
                .bind(grade(4))
                .bind(grade(5))
                .bind(&keys[1])
                .bind(&keys[2])
                .execute(&mut *tx)
                .await?;
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
                        sqlx::query(
                            "INSERT INTO open_rectification_counts (dimension, key, due_on, n)
                             VALUES ('department', $1, $2, 1), ('hall', $3, $2, 1), ('item', $4, $2, 1)
                             ON CONFLICT (dimension, key, due_on) DO UPDATE SET n = open_rectification_counts.n + 1",
                        )
                        .bind(&keys[0])
                        .bind($crate::codec::date_str(due))
                        .bind(&keys[1])
                        .bind(&keys[2])
                        .execute(&mut *tx)
                        .await?;
                        Some(Self::load_rectification(&mut tx, id).await?)
                    }
                };
                tx.commit().await?;
                Ok((evaluation, rect))
            }

            async fn evaluation_of(&self, case_id: tongban_domain::CaseId) -> $crate::Result<Option<$crate::EvaluationRecord>> {
                sqlx::query_as::<_, $crate::evaluations::EvaluationRow>(sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM evaluations WHERE case_id = $1",
                    $crate::evaluations::EVALUATION_COLUMNS
                )))
                .bind(case_id.0)
                .fetch_optional(&self.pool)
                .await?
                .map($crate::EvaluationRecord::try_from)
                .transpose()
            }

            async fn rectification_page(
                &self,
                visible: tongban_domain::authz::RectificationVisibility,
                after: Option<$crate::RectificationKey>,
                limit: i64,
            ) -> $crate::Result<$crate::RectificationPage> {
                use $crate::RectificationKey as K;
                let limit = limit.max(1);
                let (open_after, closed_after) = match after {
                    None => (Some(None), None),
                    Some(K::Open { due_on, id }) => (Some(Some((due_on, id))), None),
                    Some(K::Closed(k)) => (None, k),
                };
                // Both parts in one read transaction: one snapshot on SQLite;
                // on PostgreSQL (read committed) a rectification closed
                // between the two reads may show in both parts.
                let mut tx = self.pool.begin().await?;
                let mut rows = Vec::new();
                if let Some(after) = open_after {
                    rows = Self::rectification_stretch(&mut tx, visible, true, after, limit + 1).await?;
                    if rows.len() as i64 > limit {
                        rows.truncate(limit as usize);
                        let next = rows.last().map(|r| K::Open { due_on: r.due_on, id: r.id });
                        tx.rollback().await?;
                        return Ok($crate::RectificationPage { rows, next });
                    }
                }
                let room = limit - rows.len() as i64;
                let closed = Self::rectification_stretch(&mut tx, visible, false, closed_after, room + 1).await?;
                tx.rollback().await?;
                let more = closed.len() as i64 > room;
                rows.extend(closed.into_iter().take(room as usize));
                let next = more.then(|| match rows.last() {
                    Some(r) if r.status == "closed" => K::Closed(Some((r.due_on, r.id))),
                    _ => K::Closed(None),
                });
                Ok($crate::RectificationPage { rows, next })
            }

            async fn evaluation_stats(
                &self,
                by: $crate::StatsBy,
                today: time::Date,
            ) -> $crate::Result<Vec<$crate::StatCounts>> {
                // One read transaction (one snapshot on SQLite; on
                // PostgreSQL a closing between the reads may show in one only).
                let mut tx = self.pool.begin().await?;
                let counts: Vec<(String, i64, i64, i64, i64, i64, i64)> = sqlx::query_as($crate::evaluations::STATS_SQL)
                    .bind(by.as_str())
                    .fetch_all(&mut *tx)
                    .await?;
                let overdue: std::collections::HashMap<String, i64> = sqlx::query_as::<_, (String, i64)>($crate::evaluations::OVERDUE_SQL)
                    .bind(by.as_str())
                    .bind($crate::codec::date_str(today))
                    .fetch_all(&mut *tx)
                    .await?
                    .into_iter()
                    .collect();
                tx.rollback().await?;
                Ok(counts
                    .into_iter()
                    .map(|(key, g1, g2, g3, g4, g5, rectified)| $crate::StatCounts {
                        overdue: overdue.get(&key).copied().unwrap_or(0),
                        key,
                        by_grade: [g1, g2, g3, g4, g5],
                        rectified,
                    })
                    .collect())
            }

            async fn rectification(&self, id: i64) -> $crate::Result<$crate::RectificationRecord> {
                let mut conn = self.pool.acquire().await?;
                Self::load_rectification(&mut conn, id).await
            }

            async fn rectification_of(&self, evaluation_id: i64) -> $crate::Result<Option<$crate::RectificationRecord>> {
                sqlx::query_as::<_, $crate::evaluations::RectificationRow>(sqlx::AssertSqlSafe(format!(
                    "{} WHERE r.evaluation_id = $1",
                    $crate::evaluations::RECTIFICATION_SELECT
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
                let closed = || $crate::StoreError::Conflict("rectification closed".into());
                let mut tx = self.begin_write().await?;
                let current = Self::load_rectification(&mut tx, id).await?;
                if current.status != "open" {
                    return Err(closed());
                }
                // Guarded by status: of two concurrent steps on PostgreSQL
                // the one that finds it closed changes nothing (and counts
                // nothing twice).
                let changed = match step {
                    $crate::RectificationStep::FollowUp { by, at, note } => {
                        let mut list: Vec<serde_json::Value> = $crate::codec::json("follow_ups", &current.follow_ups)?;
                        list.push(serde_json::json!({"at": at, "by": by.0, "note": note}));
                        sqlx::query("UPDATE rectifications SET follow_ups = $1 WHERE id = $2 AND status = 'open'")
                            .bind($crate::codec::to_json(&list)?)
                            .bind(id)
                            .execute(&mut *tx)
                            .await?
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
                        .await?
                    }
                };
                if changed.rows_affected() != 1 {
                    return Err(closed());
                }
                if matches!(step, $crate::RectificationStep::Close { .. }) {
                    Self::count_closing(&mut tx, &current).await?;
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
                    "{} WHERE r.id = $1",
                    $crate::evaluations::RECTIFICATION_SELECT
                )))
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or($crate::StoreError::NotFound)?
                .try_into()
            }

            /// One stretch of a page (see [`page_query`](crate::evaluations::page_query)).
            async fn rectification_stretch(
                conn: &mut <$db as sqlx::Database>::Connection,
                visible: tongban_domain::authz::RectificationVisibility,
                open: bool,
                after: Option<(time::Date, i64)>,
                limit: i64,
            ) -> $crate::Result<Vec<$crate::RectificationRecord>> {
                let Some((sql, binds)) = $crate::evaluations::page_query(visible, open, after, limit) else {
                    return Ok(vec![]);
                };
                let mut q = sqlx::query_as::<_, $crate::evaluations::RectificationRow>(sqlx::AssertSqlSafe(sql));
                for b in binds {
                    q = match b {
                        $crate::evaluations::Bind::Int(v) => q.bind(v),
                        $crate::evaluations::Bind::Text(v) => q.bind(v),
                    };
                }
                q.fetch_all(&mut *conn)
                    .await?
                    .into_iter()
                    .map($crate::RectificationRecord::try_from)
                    .collect()
            }

            /// A closed rectification leaves the open counts of its rating's
            /// keys and due day, and counts as rectified under them.
            async fn count_closing(
                conn: &mut <$db as sqlx::Database>::Connection,
                r: &$crate::RectificationRecord,
            ) -> $crate::Result<()> {
                let (hall, department, item): (Option<i64>, i64, String) =
                    sqlx::query_as("SELECT hall_id, department_id, item_code FROM evaluations WHERE id = $1")
                        .bind(r.evaluation_id)
                        .fetch_one(&mut *conn)
                        .await?;
                let item = tongban_domain::ItemCode(item);
                let due = $crate::codec::date_str(r.due_on);
                let keys = $crate::StatsBy::ALL.map(|by| {
                    let key = by.key(hall.map(tongban_domain::HallId), tongban_domain::DepartmentId(department), &item);
                    (by.as_str(), key)
                });
                // In the order a rating writes them (see `StatsBy::ALL`).
                for (by, key) in &keys {
                    sqlx::query("UPDATE evaluation_counts SET rectified = rectified + 1 WHERE dimension = $1 AND key = $2")
                        .bind(*by)
                        .bind(key)
                        .execute(&mut *conn)
                        .await?;
                }
                for (by, key) in &keys {
                    sqlx::query("UPDATE open_rectification_counts SET n = n - 1 WHERE dimension = $1 AND key = $2 AND due_on = $3")
                        .bind(*by)
                        .bind(key)
                        .bind(&due)
                        .execute(&mut *conn)
                        .await?;
                    sqlx::query("DELETE FROM open_rectification_counts WHERE dimension = $1 AND key = $2 AND due_on = $3 AND n = 0")
                        .bind(*by)
                        .bind(key)
                        .bind(&due)
                        .execute(&mut *conn)
                        .await?;
                }
                Ok(())
            }
        }
    };
}
pub(crate) use impl_evaluations;
