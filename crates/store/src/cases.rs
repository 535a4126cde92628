//! Cases: records, their hash-chained events, the materials received,
//! idempotency keys and the due dates kept for ordering.

use crate::codec::{corrupt, json, parse_date};
use crate::{Result, StoreError};
use tongban_domain::authz::CaseVisibility;
use tongban_domain::calendar::Pause;
use tongban_domain::case::Status;
use tongban_domain::case::tally::{Flow, Tally};
use tongban_domain::catalogue::MaterialSpec;
use tongban_domain::guide::Answers;
use tongban_domain::intake::Applicant;
use tongban_domain::tongban::Mode;
use tongban_domain::{DepartmentId, HallId, ItemCode, UserId};

/// A case row.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseRecord {
    /// Internal id.
    pub id: tongban_domain::CaseId,
    /// Human case number.
    pub case_no: String,
    /// Code for the public progress page.
    pub verification_code: String,
    /// Item.
    pub item_code: ItemCode,
    /// Item version applied for.
    pub item_version: i32,
    /// Item name (at that version).
    pub item_name: String,
    /// Mode.
    pub mode: Mode,
    /// Status.
    pub status: Status,
    /// Optimistic-concurrency version = number of events.
    pub version: i64,
    /// Deciding department.
    pub department: DepartmentId,
    /// Receiving hall (none for online cases).
    pub hall: Option<HallId>,
    /// The hall that hands over the result, once the department sends it there.
    pub pickup_hall: Option<HallId>,
    /// The applicant's own account, for online cases.
    pub applicant_user: Option<UserId>,
    /// The guide or agent applying on the applicant's behalf (帮办代办).
    pub assisted_by: Option<UserId>,
    /// How the applicant chose to receive the result.
    pub delivery: Option<tongban_domain::case::Delivery>,
    /// Who created it.
    pub created_by: Option<UserId>,
    /// The applicant.
    pub applicant: Applicant,
    /// The agent acting for the applicant (委托代理人), if any.
    pub agent: Option<tongban_domain::intake::Agent>,
    /// Guide-map answers.
    pub answers: Answers,
    /// Situation (情形) name.
    pub situation: String,
    /// The required-materials checklist.
    pub materials: Vec<MaterialSpec>,
    /// Promised working days.
    pub promised_days: u32,
    /// 即办件.
    pub instant: bool,
    /// Day the clock started.
    pub accepted_on: Option<time::Date>,
    /// Day of the decision.
    pub decided_on: Option<time::Date>,
    /// Clock pauses.
    pub pauses: Vec<Pause>,
    /// Status a supplement or suspension returns to.
    pub resume_to: Option<Status>,
    /// Created, unix ms.
    pub created_at: i64,
    /// Last change, unix ms.
    pub updated_at: i64,
    /// The promised completion date stored while the clock runs.
    pub due_on: Option<time::Date>,
    /// The hash of the latest event (whose seq is `version`): what the
    /// next event chains to.
    pub head_hash: String,
}

impl CaseRecord {
    /// The case as a change leaves it: one version on, its event (hashed
    /// `hash`) the head of the chain. The store writes exactly this.
    pub fn after(&self, change: &CaseChange, at: i64, hash: String) -> CaseRecord {
        CaseRecord {
            status: change.status,
            version: self.version + 1,
            accepted_on: change.accepted_on.or(self.accepted_on),
            decided_on: change.decided_on.or(self.decided_on),
            pauses: change.pauses.clone(),
            resume_to: change.resume_to,
            updated_at: at,
            pickup_hall: change.pickup_hall.or(self.pickup_hall),
            due_on: change.due_on,
            head_hash: hash,
            ..self.clone()
        }
    }
}

/// A new case (its first event is written with it).
#[derive(Debug, Clone)]
pub struct NewCase {
    /// Code for the public progress page.
    pub verification_code: String,
    /// Item.
    pub item_code: ItemCode,
    /// Item version.
    pub item_version: i32,
    /// Item name.
    pub item_name: String,
    /// Mode.
    pub mode: Mode,
    /// Deciding department.
    pub department: DepartmentId,
    /// Receiving hall.
    pub hall: Option<HallId>,
    /// Applicant account.
    pub applicant_user: Option<UserId>,
    /// The guide or agent applying on the applicant's behalf (帮办代办).
    pub assisted_by: Option<UserId>,
    /// How the applicant chose to receive the result.
    pub delivery: Option<tongban_domain::case::Delivery>,
    /// Creator.
    pub created_by: Option<UserId>,
    /// Applicant.
    pub applicant: Applicant,
    /// Agent.
    pub agent: Option<tongban_domain::intake::Agent>,
    /// Answers.
    pub answers: Answers,
    /// Situation name.
    pub situation: String,
    /// Checklist.
    pub materials: Vec<MaterialSpec>,
    /// Promised days.
    pub promised_days: u32,
    /// 即办件.
    pub instant: bool,
    /// What opening it counts (kept with the case, in its transaction).
    pub tallies: Vec<Tally>,
}

/// What a transition changes on the case row.
#[derive(Debug, Clone)]
pub struct CaseChange {
    /// New status.
    pub status: Status,
    /// Day the clock started, if it starts now.
    pub accepted_on: Option<time::Date>,
    /// Day of decision, if decided now.
    pub decided_on: Option<time::Date>,
    /// The pauses after the change.
    pub pauses: Vec<Pause>,
    /// Where a supplement or suspension returns to.
    pub resume_to: Option<Status>,
    /// The hall that will hand over the result, if set now.
    pub pickup_hall: Option<HallId>,
    /// A notification for the case's applicant account, written with the change.
    pub notify: Option<String>,
    /// Messages to send once the change is durable (the outbox).
    pub messages: Vec<crate::outbox::NewMessage>,
    /// The promised completion date after the change, while the clock
    /// runs (`None` before acceptance, while paused, once decided).
    pub due_on: Option<time::Date>,
    /// What the change counts (kept with the change, in its transaction).
    pub tallies: Vec<Tally>,
    /// In-site notices to staff accounts (a department's on-duty reviewers
    /// told of an arrival), written with the change.
    pub staff_notices: Vec<(tongban_domain::UserId, String)>,
    /// Watch the case from now on: if it still stands where the change
    /// left it at this instant (unix ms), its department's admins are told.
    pub watch_until: Option<i64>,
}

/// A case that arrived at a department, watched until its due instant.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ArrivalWatch {
    /// The case.
    pub case_id: i64,
    /// Its department.
    pub department_id: i64,
    /// The status it arrived in.
    pub status: String,
    /// The case version it arrived at.
    pub version: i64,
    /// When the admins are told if nothing moved, unix ms.
    pub due_at: i64,
}

/// The SQL of every hall's kept case total (the stock counts' key leads).
pub const HALL_TOTALS_SQL: &str = "SELECT scope_id, CAST(SUM(n) AS BIGINT) FROM case_stock_counts
     WHERE scope = 'hall' GROUP BY scope_id ORDER BY scope_id";

/// The SQL of the watches due (oldest first), on `arrival_watch_due`.
pub const DUE_WATCHES_SQL: &str =
    "SELECT case_id, department_id, status, version, due_at FROM arrival_watch
     WHERE due_at <= $1 ORDER BY due_at, case_id LIMIT $2";

/// Each case counts in one of this many slots of a kept count (its id
/// modulo), so concurrent steps of one department rarely wait on one row.
pub(crate) const COUNT_SLOTS: i64 = 8;

/// The rows a case's tallies add to, for its department and its receiving
/// hall: flows (scope, scope id, day, flow) and stock (scope, scope id,
/// status, delta).
#[derive(Debug, Default)]
pub(crate) struct CountRows {
    pub(crate) flows: Vec<(&'static str, i64, String, &'static str)>,
    pub(crate) stock: Vec<(&'static str, i64, &'static str, i64)>,
}

impl CountRows {
    pub(crate) fn of(department: DepartmentId, hall: Option<HallId>, tallies: &[Tally]) -> Self {
        let mut rows = CountRows::default();
        let scopes =
            std::iter::once(("department", department.0)).chain(hall.map(|h| ("hall", h.0)));
        for (scope, id) in scopes {
            for t in tallies {
                match *t {
                    Tally::Flow { day, flow } => {
                        rows.flows
                            .push((scope, id, crate::codec::date_str(day), flow.as_str()));
                    }
                    Tally::Stock { status, delta } => {
                        rows.stock.push((scope, id, status.as_str(), delta))
                    }
                }
            }
        }
        rows
    }
}

/// Whose counts: a department's or a hall's (as receiving hall).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountScope {
    /// The deciding department's.
    Department(DepartmentId),
    /// The receiving hall's.
    Hall(HallId),
}

impl CountScope {
    pub(crate) fn key(self) -> (&'static str, i64) {
        match self {
            Self::Department(d) => ("department", d.0),
            Self::Hall(h) => ("hall", h.0),
        }
    }
}

/// A department's or hall's cases per status: its slots summed.
pub(crate) const STATUS_COUNTS_SQL: &str =
    "SELECT status, CAST(SUM(n) AS BIGINT) FROM case_stock_counts
     WHERE scope = $1 AND scope_id = $2 GROUP BY status ORDER BY status";

/// A department's or hall's flows on a range of days: slots summed.
pub(crate) const FLOW_COUNTS_SQL: &str = "SELECT day, flow, CAST(SUM(n) AS BIGINT) FROM case_flow_counts
     WHERE scope = $1 AND scope_id = $2 AND day >= $3 AND day <= $4 GROUP BY day, flow ORDER BY day, flow";

/// What the workbench's case search looks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseSearch {
    /// A case number.
    CaseNo(String),
    /// An applicant's ID number.
    IdNumber(String),
    /// An applicant's mobile.
    Phone(String),
    /// An applicant's name (a person's or a company's).
    Name(String),
}

impl CaseSearch {
    fn column(&self) -> &'static str {
        match self {
            Self::CaseNo(_) => "case_no",
            Self::IdNumber(_) => "applicant_id_number",
            Self::Phone(_) => "applicant_phone",
            Self::Name(_) => "applicant_name",
        }
    }

    fn value(&self) -> &str {
        match self {
            Self::CaseNo(v) | Self::IdNumber(v) | Self::Phone(v) | Self::Name(v) => v,
        }
    }
}

/// The query of a case search within a visibility rule: the term's own
/// index, newest first, the rule's branches as a condition (the few cases
/// of one person or number). `None` when the rule shows nothing.
pub(crate) fn search_query(
    visible: CaseVisibility,
    by: &CaseSearch,
    limit: i64,
) -> Option<PageQuery> {
    let branches = branches(visible);
    if branches.is_empty() {
        return None;
    }
    let mut binds = vec![Bind::Text(by.value().to_owned())];
    let mut ors = Vec::new();
    for (col, v) in branches.into_iter().flatten() {
        binds.push(Bind::Int(v));
        ors.push(format!("{col} = ${}", binds.len()));
    }
    let visible = match ors.is_empty() {
        true => String::new(),
        false => format!(" AND ({})", ors.join(" OR ")),
    };
    binds.push(Bind::Int(limit));
    Some((
        format!(
            "SELECT {CASE_COLUMNS} FROM cases WHERE {} = $1{visible} ORDER BY id DESC LIMIT ${}",
            by.column(),
            binds.len()
        ),
        binds,
    ))
}

/// The hash of the event at `seq` of a case, chained to `prev`.
pub(crate) fn chained_hash(
    case_no: &str,
    seq: i64,
    prev: &str,
    status: &str,
    e: &NewEvent,
) -> String {
    tongban_domain::timeline::event_hash(
        prev,
        &tongban_domain::timeline::ChainedFields {
            case_no,
            seq,
            at: e.at,
            actor: e.actor.0,
            role: &e.role,
            action: &e.action,
            status,
            payload: &e.payload,
        },
    )
}

/// Whether the clock is paused after a change (an open pause).
pub(crate) fn clock_paused(pauses: &[Pause]) -> bool {
    pauses.iter().any(|p| p.to.is_none())
}

/// An in-site notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationRecord {
    /// Id.
    pub id: i64,
    /// The case it tells of.
    pub case_no: String,
    /// What happened, in plain words.
    pub text: String,
    /// When, unix ms.
    pub at: i64,
    /// Read yet.
    pub read: bool,
}

/// An event to append.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// Unix ms.
    pub at: i64,
    /// Acting user.
    pub actor: UserId,
    /// Their role.
    pub role: String,
    /// Their hall.
    pub hall: Option<HallId>,
    /// Their department.
    pub department: Option<DepartmentId>,
    /// Action (`create`, `submit`, …).
    pub action: String,
    /// Details (JSON text).
    pub payload: String,
}

/// A stored event.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EventRecord {
    /// Position, from 1.
    pub seq: i64,
    /// Unix ms.
    pub at: i64,
    /// Actor id.
    #[sqlx(rename = "actor_id")]
    pub actor: i64,
    /// Role.
    pub role: String,
    /// Hall.
    #[sqlx(rename = "hall_id")]
    pub hall: Option<i64>,
    /// Department.
    #[sqlx(rename = "department_id")]
    pub department: Option<i64>,
    /// Action.
    pub action: String,
    /// Status after.
    pub status: String,
    /// Payload JSON.
    pub payload: String,
    /// Previous hash.
    pub prev_hash: String,
    /// Hash.
    pub hash: String,
}

/// How a list of cases is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseOrder {
    /// Most recently changed first.
    Updated,
    /// The running clock's due date, soonest (so overdue) first; cases
    /// without one after them; ties by last change.
    Due,
}

/// Where a page of cases starts: the sort key and id of the last case of
/// the page before it (keyset paging).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseKey {
    /// The order it belongs to.
    pub order: CaseOrder,
    /// The due key (`9999-12-31` for none), for [`CaseOrder::Due`].
    pub due: String,
    /// Last change, unix ms.
    pub updated_at: i64,
    /// Case id.
    pub id: i64,
}

/// The due key of the order: cases without a due date after every date.
pub const NO_DUE: &str = "9999-12-31";

impl CaseKey {
    /// The key of a case in an order.
    pub fn of(order: CaseOrder, c: &CaseRecord) -> Self {
        Self {
            order,
            due: match order {
                CaseOrder::Due => c
                    .due_on
                    .map_or_else(|| NO_DUE.to_string(), crate::codec::date_str),
                CaseOrder::Updated => String::new(),
            },
            updated_at: c.updated_at,
            id: c.id.0,
        }
    }

    /// Position in the order: smaller comes first.
    fn rank(&self) -> (&str, std::cmp::Reverse<i64>, std::cmp::Reverse<i64>) {
        (
            &self.due,
            std::cmp::Reverse(self.updated_at),
            std::cmp::Reverse(self.id),
        )
    }
}

impl PartialOrd for CaseKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for CaseKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.rank().cmp(&other.rank())
    }
}

/// Which cases to list.
#[derive(Debug, Clone)]
pub struct CaseFilter {
    /// Whose cases: the caller's visibility (the one rule, as SQL).
    pub visible: CaseVisibility,
    /// Only these statuses.
    pub statuses: Vec<Status>,
    /// The order.
    pub order: CaseOrder,
    /// Page size.
    pub limit: i64,
    /// Start after this case (the previous page's `next`).
    pub after: Option<CaseKey>,
    /// Only cases whose running clock is due before this day (overdue:
    /// before today) — a range of the due order's index, so only with
    /// [`CaseOrder::Due`].
    pub due_before: Option<time::Date>,
    /// Narrower still: an item, a receiving hall, a received period —
    /// kept from a window of the index like a status filter.
    pub narrow: Narrow,
}

/// What narrows a list beyond its index's range: each read from a window
/// of at most [`FILTER_WINDOW`] entries per branch and page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Narrow {
    /// Only this item.
    pub item: Option<ItemCode>,
    /// Only cases received at this hall.
    pub hall: Option<HallId>,
    /// Only cases received (opened) at or after this time, unix ms.
    pub created_from: Option<i64>,
    /// Only cases received (opened) before this time, unix ms.
    pub created_before: Option<i64>,
}

impl CaseFilter {
    /// Whether the filter keeps only some of its index's entries.
    fn narrowed(&self) -> bool {
        !self.statuses.is_empty() || self.narrow != Narrow::default()
    }

    /// Whether a case read from the index passes the filter.
    pub(crate) fn keeps(&self, c: &CaseRecord) -> bool {
        let n = &self.narrow;
        (self.statuses.is_empty() || self.statuses.contains(&c.status))
            && n.item.as_ref().is_none_or(|i| *i == c.item_code)
            && n.hall.is_none_or(|h| c.hall == Some(h))
            && n.created_from.is_none_or(|t| c.created_at >= t)
            && n.created_before.is_none_or(|t| c.created_at < t)
    }
}

/// A page of cases.
#[derive(Debug, Clone)]
pub struct CasePage {
    /// The cases, in order.
    pub rows: Vec<CaseRecord>,
    /// Where the next page starts, if there may be one.
    pub next: Option<CaseKey>,
}

/// How many index entries one page of a status-filtered list reads per
/// branch at most: a page of a rare status may come back short (with a
/// `next` to go on from), so no request reads more than this.
pub const FILTER_WINDOW: i64 = 400;

/// One index range a visibility rule reads: the cases with `column = value`
/// (`None`: every case).
pub(crate) type Branch = Option<(&'static str, i64)>;

/// The visibility rule as index ranges, each read in order and merged: a
/// hall's cases are those it received, those it hands over and its
/// helper's own.
pub(crate) fn branches(v: CaseVisibility) -> Vec<Branch> {
    use tongban_domain::authz::CaseVisibility as V;
    match v {
        V::Nothing => vec![],
        V::All => vec![None],
        V::Applicant(u) => vec![Some(("applicant_user_id", u.0))],
        V::Hall { hall, helper } => hall
            .into_iter()
            .flat_map(|h| [Some(("hall_id", h.0)), Some(("pickup_hall_id", h.0))])
            .chain(helper.map(|u| Some(("assisted_by", u.0))))
            .collect(),
        V::Department(d) => vec![Some(("department_id", d.0))],
    }
}

pub(crate) use crate::codec::Bind;

/// A query of a page and its values (without the limit).
pub(crate) type PageQuery = (String, Vec<Bind>);

/// Where in its order a query of a page starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Start {
    /// At the beginning.
    First,
    /// After the key, among the cases of the same due key (due order).
    SameDue,
    /// At the next due key after the key's (due order).
    LaterDue,
    /// After the key (last-change order).
    After,
}

/// The queries of a list's page, with their values (the limit, last, is
/// bound when run), and how many rows a branch reads at most: per branch
/// of the visibility rule one query — in the due order after a key, two
/// parts read one after the other until the branch has its rows: the rest
/// of the key's due day and the days after it, so each seeks its index to
/// where it starts instead of stepping over the cases before the key.
pub(crate) fn page_queries(f: &CaseFilter) -> (Vec<Vec<PageQuery>>, i64) {
    let window = if !f.narrowed() {
        f.limit + 1
    } else {
        FILTER_WINDOW.max(f.limit + 1)
    };
    let after = f.after.as_ref().filter(|k| k.order == f.order);
    let starts: &[Start] = match (after, f.order) {
        (None, _) => &[Start::First],
        (Some(_), CaseOrder::Due) => &[Start::SameDue, Start::LaterDue],
        (Some(_), CaseOrder::Updated) => &[Start::After],
    };
    let mut queries = Vec::new();
    for branch in branches(f.visible) {
        let mut parts = Vec::new();
        for &start in starts {
            let mut binds: Vec<Bind> = branch.map(|(_, v)| Bind::Int(v)).into_iter().collect();
            if let Some(k) = after {
                match start {
                    Start::SameDue => binds.extend([
                        Bind::Text(k.due.clone()),
                        Bind::Int(k.updated_at),
                        Bind::Int(k.id),
                    ]),
                    Start::LaterDue => binds.push(Bind::Text(k.due.clone())),
                    Start::After => binds.extend([Bind::Int(k.updated_at), Bind::Int(k.id)]),
                    Start::First => {}
                }
            }
            let bounded = f.order == CaseOrder::Due && f.due_before.is_some();
            if let (true, Some(d)) = (bounded, f.due_before) {
                binds.push(Bind::Text(crate::codec::date_str(d)));
            }
            parts.push((page_sql(branch, f.order, start, bounded), binds));
        }
        queries.push(parts);
    }
    (queries, window)
}

/// The SQL of one query of a page: the branch's equality, where it starts,
/// the upper bound of the due order (`bounded`) and the order its index
/// serves. Placeholders in order: the branch value (if any), the key's
/// parts the start needs, the bound, the limit.
fn page_sql(branch: Branch, order: CaseOrder, start: Start, bounded: bool) -> String {
    let mut n = 0;
    let mut next = || {
        n += 1;
        format!("${n}")
    };
    let mut conds = Vec::new();
    if let Some((col, _)) = branch {
        conds.push(format!("{col} = {}", next()));
    }
    const DUE: &str = "COALESCE(due_on, '9999-12-31')";
    match start {
        Start::First => {}
        Start::SameDue => {
            let (k, u, i) = (next(), next(), next());
            conds.push(format!(
                "{DUE} = {k} AND updated_at <= {u} AND (updated_at < {u} OR id < {i})"
            ));
        }
        Start::LaterDue => conds.push(format!("{DUE} > {}", next())),
        Start::After => {
            let (u, i) = (next(), next());
            conds.push(format!(
                "updated_at <= {u} AND (updated_at < {u} OR id < {i})"
            ));
        }
    }
    if bounded {
        conds.push(format!("{DUE} < {}", next()));
    }
    // Within one due day the order is the last change's (the day is fixed).
    let order_by = match (order, start) {
        (CaseOrder::Due, Start::SameDue) | (CaseOrder::Updated, _) => {
            "updated_at DESC, id DESC".to_string()
        }
        (CaseOrder::Due, _) => format!("{DUE}, updated_at DESC, id DESC"),
    };
    let where_ = if conds.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conds.join(" AND "))
    };
    format!(
        "SELECT {CASE_COLUMNS} FROM cases {where_} ORDER BY {order_by} LIMIT {}",
        next()
    )
}

/// Merges the branches' pages (each in order, each at most `window` long)
/// into one page of `limit`: rows past the point where a full branch
/// stopped wait for the next page, so nothing is skipped or repeated.
pub(crate) fn merge_pages(
    order: CaseOrder,
    branches: Vec<Vec<CaseRecord>>,
    keep: impl Fn(&CaseRecord) -> bool,
    limit: usize,
    window: usize,
) -> CasePage {
    // The furthest point every branch has read up to.
    let frontier = branches
        .iter()
        .filter(|b| b.len() >= window)
        .filter_map(|b| b.last().map(|c| CaseKey::of(order, c)))
        .min();
    let mut rows: Vec<CaseRecord> = branches
        .into_iter()
        .flatten()
        .filter(|c| keep(c))
        .filter(|c| {
            frontier
                .as_ref()
                .is_none_or(|f| CaseKey::of(order, c) <= *f)
        })
        .collect();
    rows.sort_by_cached_key(|c| CaseKey::of(order, c));
    rows.dedup_by_key(|c| c.id);
    let next = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(|c| CaseKey::of(order, c))
    } else {
        frontier
    };
    CasePage { rows, next }
}

/// An idempotency key to record with a write, and the answer to replay.
pub struct IdemWrite<'a> {
    /// Who and what (user id and route), so keys of different callers never meet.
    pub scope: String,
    /// The client's key.
    pub key: String,
    /// HTTP status of the answer.
    pub status: u16,
    /// Renders the answer body from the written case.
    pub render: &'a (dyn Fn(&CaseRecord) -> String + Send + Sync),
}

/// An idempotency key with the answer rendered, written with a step.
#[derive(Debug)]
pub(crate) struct IdemAnswer {
    pub(crate) scope: String,
    pub(crate) key: String,
    pub(crate) status: u16,
    pub(crate) body: String,
}

impl std::fmt::Debug for IdemWrite<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdemWrite")
            .field("scope", &self.scope)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// How a material was received.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MaterialReceipt {
    /// The checklist entry's key.
    pub material_key: String,
    /// `paper`, `scan` or `license`.
    pub method: String,
    /// Content address (SHA-256 hex) of the scan.
    pub blob: Option<String>,
    /// Sniffed content type of the scan.
    pub mime: Option<String>,
    /// Size of the scan in bytes.
    pub size: Option<i64>,
    /// E-licence reference that replaces the material.
    pub license_ref: Option<String>,
    /// The window certified that it saw the originals (原件核验).
    pub original_verified: bool,
    /// Who recorded it.
    pub recorded_by: i64,
    /// When, unix ms.
    pub recorded_at: i64,
}

/// What cases ask of a database.
#[async_trait::async_trait]
pub trait CaseStore: Send + Sync {
    /// The recorded answer for an idempotency key, if any: (status, body).
    async fn idempotent_answer(&self, scope: &str, key: &str) -> Result<Option<(u16, String)>>;

    /// Creates a case with its first event (and the idempotency answer), in
    /// one transaction. The case number is `prefix` + the 8-digit id.
    async fn create_case(
        &self,
        case: &NewCase,
        case_no_prefix: &str,
        first: &NewEvent,
        idem: Option<IdemWrite<'_>>,
    ) -> Result<(CaseRecord, Option<String>)>;

    /// A case by number.
    async fn case_by_no(&self, case_no: &str) -> Result<CaseRecord>;

    /// A case by its internal id.
    async fn case_by_id(&self, id: tongban_domain::CaseId) -> Result<CaseRecord>;

    /// A case's events in order.
    async fn case_events(&self, case_id: tongban_domain::CaseId) -> Result<Vec<EventRecord>>;

    /// Applies a change to a case as loaded and appends its event, in one
    /// transaction, if the case is still at that version (else `Conflict`);
    /// returns the case as [`CaseRecord::after`] the change.
    async fn apply_to_case(
        &self,
        case: &CaseRecord,
        change: &CaseChange,
        event: &NewEvent,
        idem: Option<IdemWrite<'_>>,
    ) -> Result<(CaseRecord, Option<String>)>;

    /// Records a material received on a case and appends its event, in one
    /// transaction, if the case is still at `expected_version`.
    async fn add_material_receipt(
        &self,
        case_no: &str,
        expected_version: i64,
        receipt: &MaterialReceipt,
        event: &NewEvent,
    ) -> Result<CaseRecord>;

    /// Records several materials received on a case, each with its event
    /// (one version step per receipt, the events chained in order), in one
    /// transaction, if the case is still at `expected_version`: all or none.
    async fn add_material_receipts(
        &self,
        case_no: &str,
        expected_version: i64,
        receipts: &[(MaterialReceipt, NewEvent)],
    ) -> Result<CaseRecord>;

    /// Starts a video check on a case and appends its event (one version
    /// step, the status unchanged), in one transaction, if the case is
    /// still at `expected_version`.
    async fn start_video_check(
        &self,
        case_no: &str,
        expected_version: i64,
        check: &crate::NewVideoCheck,
        event: &NewEvent,
    ) -> Result<(CaseRecord, crate::VideoCheckRecord)>;

    /// Records the outcome of an open video check of a case and appends its
    /// event, in one transaction, if the case is still at
    /// `expected_version` (else `Conflict("version")`) and the check is
    /// still open (else `Conflict("video_check.concluded")`).
    async fn conclude_video_check(
        &self,
        case_no: &str,
        expected_version: i64,
        check_id: i64,
        result: &crate::VideoResult,
        event: &NewEvent,
    ) -> Result<(CaseRecord, crate::VideoCheckRecord)>;

    /// One video check of a case (`NotFound` when it is another case's).
    async fn video_check(
        &self,
        case_id: tongban_domain::CaseId,
        check_id: i64,
    ) -> Result<crate::VideoCheckRecord>;

    /// A page of a case's video checks with id above `after`, in id order.
    async fn video_checks(
        &self,
        case_id: tongban_domain::CaseId,
        after: i64,
        limit: i64,
    ) -> Result<Vec<crate::VideoCheckRecord>>;

    /// The outcome (`passed` or `failed`) of a case's latest concluded
    /// video check, if any.
    async fn latest_video_verdict(&self, case_id: tongban_domain::CaseId)
    -> Result<Option<String>>;

    /// The materials received on a case, in order.
    async fn material_receipts(
        &self,
        case_id: tongban_domain::CaseId,
    ) -> Result<Vec<MaterialReceipt>>;

    /// The arrival watches due at `now`, oldest first, at most `limit`.
    async fn due_watches(&self, now: i64, limit: i64) -> Result<Vec<ArrivalWatch>>;

    /// Ends a watch, writing what it tells (staff notices, outbox
    /// messages) in the same transaction; false, and nothing written, when
    /// another worker ended it first.
    async fn close_watch(
        &self,
        case_id: i64,
        notices: &[(tongban_domain::UserId, String)],
        messages: &[crate::outbox::NewMessage],
        at: i64,
    ) -> Result<bool>;

    /// A page of the cases matching a filter, in its order.
    async fn cases(&self, filter: &CaseFilter) -> Result<CasePage>;

    /// The newest cases (at most `limit`) matching a search that the
    /// visibility rule shows.
    async fn search_cases(
        &self,
        visible: CaseVisibility,
        by: &CaseSearch,
        limit: i64,
    ) -> Result<Vec<CaseRecord>>;

    /// The cases per status kept for a department or a hall (statuses
    /// with none left out).
    async fn status_counts(&self, scope: CountScope) -> Result<Vec<(Status, i64)>>;

    /// Every hall's cases as kept (summed over statuses and slots): what
    /// each hall received, read on the kept counts' key, not the cases.
    async fn hall_case_totals(&self) -> Result<Vec<(HallId, i64)>>;

    /// The flows kept for a department or a hall on the days `from..=to`:
    /// (day, flow, count), by day then flow.
    async fn flow_counts(
        &self,
        scope: CountScope,
        from: time::Date,
        to: time::Date,
    ) -> Result<Vec<(time::Date, Flow, i64)>>;

    /// (id, case number, version) of cases with id above `after`, in id order.
    async fn case_index(&self, after: i64, limit: i64) -> Result<Vec<(i64, String, i64)>>;

    /// Accepted, undecided cases in these statuses with id above `after`,
    /// in id order (`missing_due`: only those without a stored due date):
    /// the cases whose due date is kept.
    async fn clocked_cases(
        &self,
        after: i64,
        statuses: &[tongban_domain::case::Status],
        missing_due: bool,
        limit: i64,
    ) -> Result<Vec<CaseRecord>>;

    /// Stores cases' due dates (by case id), in one transaction.
    async fn set_due_dates(
        &self,
        dates: &[(tongban_domain::CaseId, Option<time::Date>)],
    ) -> Result<()>;
}

pub(crate) fn status(s: &str) -> Result<Status> {
    Status::parse(s).ok_or_else(|| corrupt("status", s))
}

/// A recorded idempotent answer: (HTTP status, body).
pub(crate) fn idem_answer((status, body): (i64, String)) -> (u16, String) {
    (u16::try_from(status).unwrap_or(200), body)
}

/// A `cases` row, as [`CASE_COLUMNS`] reads it.
#[derive(sqlx::FromRow)]
pub(crate) struct CaseRow {
    id: i64,
    case_no: String,
    verification_code: String,
    item_code: String,
    item_version: i64,
    item_name: String,
    mode: String,
    status: String,
    version: i64,
    department_id: i64,
    hall_id: Option<i64>,
    pickup_hall_id: Option<i64>,
    applicant_user_id: Option<i64>,
    assisted_by: Option<i64>,
    delivery: Option<String>,
    created_by: Option<i64>,
    applicant: String,
    agent: Option<String>,
    answers: String,
    situation: String,
    materials: String,
    promised_days: i64,
    instant: bool,
    accepted_on: Option<String>,
    decided_on: Option<String>,
    pauses: String,
    resume_to: Option<String>,
    created_at: i64,
    updated_at: i64,
    due_on: Option<String>,
    head_hash: String,
}

impl TryFrom<CaseRow> for CaseRecord {
    type Error = StoreError;
    fn try_from(r: CaseRow) -> Result<Self> {
        Ok(CaseRecord {
            id: tongban_domain::CaseId(r.id),
            case_no: r.case_no,
            verification_code: r.verification_code,
            item_code: ItemCode(r.item_code),
            item_version: i32::try_from(r.item_version).unwrap_or(0),
            item_name: r.item_name,
            mode: Mode::parse(&r.mode).ok_or_else(|| corrupt("mode", &r.mode))?,
            status: status(&r.status)?,
            version: r.version,
            department: DepartmentId(r.department_id),
            hall: r.hall_id.map(HallId),
            pickup_hall: r.pickup_hall_id.map(HallId),
            applicant_user: r.applicant_user_id.map(UserId),
            assisted_by: r.assisted_by.map(UserId),
            delivery: r.delivery.map(|d| json("delivery", &d)).transpose()?,
            created_by: r.created_by.map(UserId),
            applicant: json("applicant", &r.applicant)?,
            agent: r.agent.map(|a| json("agent", &a)).transpose()?,
            answers: json("answers", &r.answers)?,
            situation: r.situation,
            materials: json("materials", &r.materials)?,
            promised_days: u32::try_from(r.promised_days).unwrap_or(0),
            instant: r.instant,
            accepted_on: r.accepted_on.as_deref().map(parse_date).transpose()?,
            decided_on: r.decided_on.as_deref().map(parse_date).transpose()?,
            pauses: json("pauses", &r.pauses)?,
            resume_to: r.resume_to.as_deref().map(status).transpose()?,
            created_at: r.created_at,
            updated_at: r.updated_at,
            due_on: r.due_on.as_deref().map(parse_date).transpose()?,
            head_hash: r.head_hash,
        })
    }
}

/// The columns of a case row, as [`CaseRow`] reads them.
pub(crate) const CASE_COLUMNS: &str = "id, case_no, verification_code, item_code, item_version, item_name, mode, status, version, \
    department_id, hall_id, applicant_user_id, created_by, applicant, agent, answers, situation, materials, promised_days, instant, \
    accepted_on, decided_on, pauses, resume_to, created_at, updated_at, pickup_hall_id, assisted_by, delivery, due_on, head_hash";

/// A case's timeline: its events in order, on the primary key (case, seq).
pub(crate) const CASE_EVENTS_SQL: &str = "SELECT seq, at, actor_id, role, hall_id, department_id, action, status, payload, \
    prev_hash, hash FROM case_events WHERE case_id = $1 ORDER BY seq";

/// A case's material receipts in the order recorded, on
/// `case_materials_case` (case, id).
pub(crate) const CASE_MATERIALS_SQL: &str = "SELECT material_key, method, blob, mime, size, license_ref, recorded_by, \
    recorded_at, original_verified FROM case_materials WHERE case_id = $1 ORDER BY id";

/// Implements [`CaseStore`] for `$ty` with the SQL both backends share.
macro_rules! impl_cases {
    ($ty:ty, $db:ty, $tx:ty) => {
        #[async_trait::async_trait]
        impl $crate::cases::CaseStore for $ty {
            async fn idempotent_answer(&self, scope: &str, key: &str) -> $crate::Result<Option<(u16, String)>> {
                let r = sqlx::query_as("SELECT status, body FROM idempotency_keys WHERE scope = $1 AND key = $2")
                    .bind(scope)
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(r.map($crate::cases::idem_answer))
            }

            async fn create_case(
                &self,
                c: &$crate::NewCase,
                case_no_prefix: &str,
                first: &$crate::NewEvent,
                idem: Option<$crate::IdemWrite<'_>>,
            ) -> $crate::Result<($crate::CaseRecord, Option<String>)> {
                let mut tx = Self::replay_in(self.begin_write().await?, idem.as_ref().map(|i| (i.scope.as_str(), i.key.as_str()))).await?;
                let placeholder = format!("{case_no_prefix}-{}", c.verification_code);
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO cases (case_no, verification_code, item_code, item_version, item_name, mode, status, version,
                       department_id, hall_id, applicant_user_id, created_by, applicant_name, applicant, answers, situation,
                       materials, promised_days, instant, pauses, created_at, updated_at, agent, assisted_by, delivery,
                       applicant_id_number, applicant_phone)
                     VALUES ($1, $2, $3, $4, $5, $6, 'draft', 1, $7, $8,
                       COALESCE($9, (SELECT u.id FROM users u WHERE u.role = 'applicant' AND u.id_number = $22)),
                       $10, $11, $12, $13, $14, $15, $16, $17, '[]', $18, $18, $19, $20, $21, $22, $23)
                     RETURNING id",
                )
                .bind(&placeholder)
                .bind(&c.verification_code)
                .bind(c.item_code.as_str())
                .bind(i64::from(c.item_version))
                .bind(&c.item_name)
                .bind(c.mode.as_str())
                .bind(c.department.0)
                .bind(c.hall.map(|h| h.0))
                .bind(c.applicant_user.map(|u| u.0))
                .bind(c.created_by.map(|u| u.0))
                .bind(c.applicant.name())
                .bind($crate::codec::to_json(&c.applicant)?)
                .bind($crate::codec::to_json(&c.answers)?)
                .bind(&c.situation)
                .bind($crate::codec::to_json(&c.materials)?)
                .bind(i64::from(c.promised_days))
                .bind(c.instant)
                .bind(first.at)
                .bind(c.agent.as_ref().map($crate::codec::to_json).transpose()?)
                .bind(c.assisted_by.map(|u| u.0))
                .bind(c.delivery.as_ref().map($crate::codec::to_json).transpose()?)
                .bind(match &c.applicant {
                    tongban_domain::intake::Applicant::Person { id_number, .. } => Some(id_number.as_str()),
                    tongban_domain::intake::Applicant::Company { .. } => None,
                })
                .bind(match &c.applicant {
                    tongban_domain::intake::Applicant::Person { phone, .. }
                    | tongban_domain::intake::Applicant::Company { phone, .. } => phone.as_str(),
                })
                .fetch_one(&mut *tx)
                .await?;
                let case_no = format!("{case_no_prefix}{id:08}");
                let head = Self::append_event(&mut tx, id, &case_no, 1, tongban_domain::timeline::GENESIS, "draft", first).await?;
                sqlx::query("UPDATE cases SET case_no = $1, head_hash = $2 WHERE id = $3")
                    .bind(&case_no)
                    .bind(&head)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                Self::write_counts(&mut tx, id, &$crate::cases::CountRows::of(c.department, c.hall, &c.tallies)).await?;
                let record = Self::load_case(&mut tx, &case_no).await?;
                let answer = Self::record_idempotency(&mut tx, &record, idem, first.at).await?;
                tx.commit().await?;
                Ok((record, answer))
            }

            async fn case_by_no(&self, case_no: &str) -> $crate::Result<$crate::CaseRecord> {
                let mut conn = self.pool.acquire().await?;
                Self::load_case(&mut conn, case_no).await
            }

            async fn case_by_id(&self, id: tongban_domain::CaseId) -> $crate::Result<$crate::CaseRecord> {
                sqlx::query_as::<_, $crate::cases::CaseRow>(sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM cases WHERE id = $1",
                    $crate::cases::CASE_COLUMNS
                )))
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await?
                .ok_or($crate::StoreError::NotFound)?
                .try_into()
            }

            async fn case_events(&self, case_id: tongban_domain::CaseId) -> $crate::Result<Vec<$crate::EventRecord>> {
                Ok(sqlx::query_as($crate::cases::CASE_EVENTS_SQL)
                .bind(case_id.0)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn apply_to_case(
                &self,
                case: &$crate::CaseRecord,
                change: &$crate::CaseChange,
                event: &$crate::NewEvent,
                idem: Option<$crate::IdemWrite<'_>>,
            ) -> $crate::Result<($crate::CaseRecord, Option<String>)> {
                // The event chains to the head the case was loaded with; the
                // version guard makes that head still the last.
                let hash = $crate::cases::chained_hash(&case.case_no, case.version + 1, &case.head_hash, change.status.as_str(), event);
                let after = case.after(change, event.at, hash);
                let answer = idem.map(|i| {
                    let body = (i.render)(&after);
                    $crate::cases::IdemAnswer { scope: i.scope, key: i.key, status: i.status, body }
                });
                self.write_step(case, &after, change, event, answer.as_ref()).await?;
                Ok((after, answer.map(|a| a.body)))
            }

            async fn add_material_receipt(
                &self,
                case_no: &str,
                expected_version: i64,
                m: &$crate::MaterialReceipt,
                event: &$crate::NewEvent,
            ) -> $crate::Result<$crate::CaseRecord> {
                self.add_material_receipts(case_no, expected_version, &[(m.clone(), event.clone())]).await
            }

            async fn add_material_receipts(
                &self,
                case_no: &str,
                expected_version: i64,
                receipts: &[($crate::MaterialReceipt, $crate::NewEvent)],
            ) -> $crate::Result<$crate::CaseRecord> {
                let Some((_, last)) = receipts.last() else {
                    return Err($crate::StoreError::Conflict("no receipts".into()));
                };
                let steps = receipts.len() as i64;
                let mut tx = self.begin_write().await?;
                let (id, status): (i64, String) = sqlx::query_as("SELECT id, status FROM cases WHERE case_no = $1")
                    .bind(case_no)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or($crate::StoreError::NotFound)?;
                let updated = sqlx::query("UPDATE cases SET version = version + $1, updated_at = $2 WHERE id = $3 AND version = $4")
                    .bind(steps)
                    .bind(last.at)
                    .bind(id)
                    .bind(expected_version)
                    .execute(&mut *tx)
                    .await?;
                if updated.rows_affected() != 1 {
                    return Err($crate::StoreError::Conflict("version".into()));
                }
                let mut head: String = sqlx::query_scalar("SELECT head_hash FROM cases WHERE id = $1")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                // Each receipt is one version step: the event at seq n+1 is
                // chained to the one before, so `audit verify` reads them as
                // if they had come one by one.
                for (seq, (m, event)) in (expected_version + 1..).zip(receipts) {
                    sqlx::query(
                        "INSERT INTO case_materials (case_id, material_key, method, blob, mime, size, license_ref, recorded_by, recorded_at,
                           original_verified)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    )
                    .bind(id)
                    .bind(&m.material_key)
                    .bind(&m.method)
                    .bind(&m.blob)
                    .bind(&m.mime)
                    .bind(m.size)
                    .bind(&m.license_ref)
                    .bind(m.recorded_by)
                    .bind(m.recorded_at)
                    .bind(m.original_verified)
                    .execute(&mut *tx)
                    .await?;
                    head = Self::append_event(&mut tx, id, case_no, seq, &head, &status, event).await?;
                }
                sqlx::query("UPDATE cases SET head_hash = $1 WHERE id = $2").bind(&head).bind(id).execute(&mut *tx).await?;
                let record = Self::load_case(&mut tx, case_no).await?;
                tx.commit().await?;
                Ok(record)
            }

            async fn start_video_check(
                &self,
                case_no: &str,
                expected_version: i64,
                v: &$crate::NewVideoCheck,
                event: &$crate::NewEvent,
            ) -> $crate::Result<($crate::CaseRecord, $crate::VideoCheckRecord)> {
                let (mut tx, id, status, head) = Self::video_step(self.begin_write().await?, case_no, expected_version, event.at).await?;
                let check_id: i64 = sqlx::query_scalar(
                    "INSERT INTO video_checks (case_id, participant, participant_name, participant_id, service, meeting_ref, link,
                       started_by, started_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                )
                .bind(id)
                .bind(&v.participant)
                .bind(&v.participant_name)
                .bind(&v.participant_id)
                .bind(&v.service)
                .bind(&v.meeting_ref)
                .bind(&v.link)
                .bind(v.started_by)
                .bind(v.started_at)
                .fetch_one(&mut *tx)
                .await?;
                let head = Self::append_event(&mut tx, id, case_no, expected_version + 1, &head, &status, event).await?;
                sqlx::query("UPDATE cases SET head_hash = $1 WHERE id = $2").bind(&head).bind(id).execute(&mut *tx).await?;
                let record = Self::load_case(&mut tx, case_no).await?;
                let check = Self::load_video_check(&mut tx, id, check_id).await?;
                tx.commit().await?;
                Ok((record, check))
            }

            async fn conclude_video_check(
                &self,
                case_no: &str,
                expected_version: i64,
                check_id: i64,
                r: &$crate::VideoResult,
                event: &$crate::NewEvent,
            ) -> $crate::Result<($crate::CaseRecord, $crate::VideoCheckRecord)> {
                let (mut tx, id, status, head) = Self::video_step(self.begin_write().await?, case_no, expected_version, event.at).await?;
                let concluded = sqlx::query(
                    "UPDATE video_checks SET outcome = $1, reason = $2, recording_blob = $3, recording_mime = $4,
                       recording_size = $5, recording_ref = $6, concluded_by = $7, concluded_at = $8
                     WHERE id = $9 AND case_id = $10 AND outcome IS NULL",
                )
                .bind(&r.outcome)
                .bind(&r.reason)
                .bind(&r.recording_blob)
                .bind(&r.recording_mime)
                .bind(r.recording_size)
                .bind(&r.recording_ref)
                .bind(r.concluded_by)
                .bind(r.concluded_at)
                .bind(check_id)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                if concluded.rows_affected() != 1 {
                    return Err($crate::StoreError::Conflict("video_check.concluded".into()));
                }
                let head = Self::append_event(&mut tx, id, case_no, expected_version + 1, &head, &status, event).await?;
                sqlx::query("UPDATE cases SET head_hash = $1 WHERE id = $2").bind(&head).bind(id).execute(&mut *tx).await?;
                let record = Self::load_case(&mut tx, case_no).await?;
                let check = Self::load_video_check(&mut tx, id, check_id).await?;
                tx.commit().await?;
                Ok((record, check))
            }

            async fn video_check(&self, case_id: tongban_domain::CaseId, check_id: i64) -> $crate::Result<$crate::VideoCheckRecord> {
                let mut conn = self.pool.acquire().await?;
                Self::load_video_check(&mut conn, case_id.0, check_id).await
            }

            async fn video_checks(
                &self,
                case_id: tongban_domain::CaseId,
                after: i64,
                limit: i64,
            ) -> $crate::Result<Vec<$crate::VideoCheckRecord>> {
                Ok(sqlx::query_as($crate::video::VIDEO_PAGE_SQL)
                    .bind(case_id.0)
                    .bind(after)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn latest_video_verdict(&self, case_id: tongban_domain::CaseId) -> $crate::Result<Option<String>> {
                Ok(sqlx::query_scalar($crate::video::LATEST_VERDICT_SQL)
                    .bind(case_id.0)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn material_receipts(&self, case_id: tongban_domain::CaseId) -> $crate::Result<Vec<$crate::MaterialReceipt>> {
                Ok(sqlx::query_as($crate::cases::CASE_MATERIALS_SQL)
                .bind(case_id.0)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn due_watches(&self, now: i64, limit: i64) -> $crate::Result<Vec<$crate::ArrivalWatch>> {
                Ok(sqlx::query_as($crate::cases::DUE_WATCHES_SQL)
                    .bind(now)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn close_watch(
                &self,
                case_id: i64,
                notices: &[(tongban_domain::UserId, String)],
                messages: &[$crate::outbox::NewMessage],
                at: i64,
            ) -> $crate::Result<bool> {
                let mut tx = self.begin_write().await?;
                let gone = sqlx::query("DELETE FROM arrival_watch WHERE case_id = $1")
                    .bind(case_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if gone == 0 {
                    return Ok(false);
                }
                for (user, text) in notices {
                    sqlx::query("INSERT INTO notifications (user_id, case_id, text, created_at) VALUES ($1, $2, $3, $4)")
                        .bind(user.0)
                        .bind(case_id)
                        .bind(text)
                        .bind(at)
                        .execute(&mut *tx)
                        .await?;
                }
                for m in messages {
                    sqlx::query(
                        "INSERT INTO outbox (kind, recipient, body, case_id, created_at, next_attempt_at)
                         VALUES ($1, $2, $3, $4, $5, $5)",
                    )
                    .bind(m.kind.as_str())
                    .bind(&m.recipient)
                    .bind(&m.body)
                    .bind(case_id)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(true)
            }

            async fn cases(&self, f: &$crate::CaseFilter) -> $crate::Result<$crate::CasePage> {
                // Each branch of the visibility rule reads its own index in
                // the list's order (its parts one after the other, until it
                // has its rows); the branches are merged.
                let (queries, window) = $crate::cases::page_queries(f);
                let mut pages = Vec::new();
                for parts in queries {
                    let mut rows = Vec::new();
                    for (sql, binds) in parts {
                        let want = window - rows.len() as i64;
                        if want <= 0 {
                            break;
                        }
                        let mut q = sqlx::query_as::<_, $crate::cases::CaseRow>(sqlx::AssertSqlSafe(sql));
                        for b in binds {
                            q = match b {
                                $crate::cases::Bind::Int(v) => q.bind(v),
                                $crate::cases::Bind::Text(v) => q.bind(v),
                            };
                        }
                        for r in q.bind(want).fetch_all(&self.pool).await? {
                            rows.push($crate::CaseRecord::try_from(r)?);
                        }
                    }
                    pages.push(rows);
                }
                Ok($crate::cases::merge_pages(
                    f.order,
                    pages,
                    |c| f.keeps(c),
                    usize::try_from(f.limit).unwrap_or(0),
                    usize::try_from(window).unwrap_or(0),
                ))
            }

            async fn search_cases(
                &self,
                visible: tongban_domain::authz::CaseVisibility,
                by: &$crate::cases::CaseSearch,
                limit: i64,
            ) -> $crate::Result<Vec<$crate::CaseRecord>> {
                let Some((sql, binds)) = $crate::cases::search_query(visible, by, limit) else {
                    return Ok(vec![]);
                };
                let mut q = sqlx::query_as::<_, $crate::cases::CaseRow>(sqlx::AssertSqlSafe(sql));
                for b in binds {
                    q = match b {
                        $crate::cases::Bind::Int(v) => q.bind(v),
                        $crate::cases::Bind::Text(v) => q.bind(v),
                    };
                }
                q.fetch_all(&self.pool).await?.into_iter().map($crate::CaseRecord::try_from).collect()
            }

            async fn hall_case_totals(&self) -> $crate::Result<Vec<(tongban_domain::HallId, i64)>> {
                let rows: Vec<(i64, i64)> = sqlx::query_as($crate::cases::HALL_TOTALS_SQL)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.into_iter().map(|(h, n)| (tongban_domain::HallId(h), n)).collect())
            }

            async fn status_counts(&self, scope: $crate::cases::CountScope) -> $crate::Result<Vec<(tongban_domain::case::Status, i64)>> {
                let (kind, id) = scope.key();
                let rows: Vec<(String, i64)> = sqlx::query_as($crate::cases::STATUS_COUNTS_SQL)
                .bind(kind)
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
                let mut out = Vec::new();
                for (status, n) in rows {
                    if n != 0 {
                        out.push(($crate::cases::status(&status)?, n));
                    }
                }
                out.sort_by_key(|(s, _)| tongban_domain::case::Status::ALL.iter().position(|x| x == s));
                Ok(out)
            }

            async fn flow_counts(
                &self,
                scope: $crate::cases::CountScope,
                from: time::Date,
                to: time::Date,
            ) -> $crate::Result<Vec<(time::Date, tongban_domain::case::tally::Flow, i64)>> {
                let (kind, id) = scope.key();
                let rows: Vec<(String, String, i64)> = sqlx::query_as($crate::cases::FLOW_COUNTS_SQL)
                .bind(kind)
                .bind(id)
                .bind($crate::codec::date_str(from))
                .bind($crate::codec::date_str(to))
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map(|(day, flow, n)| {
                        let f = tongban_domain::case::tally::Flow::parse(&flow).ok_or_else(|| $crate::codec::corrupt("flow", &flow))?;
                        Ok(($crate::codec::parse_date(&day)?, f, n))
                    })
                    .collect()
            }

            async fn case_index(&self, after: i64, limit: i64) -> $crate::Result<Vec<(i64, String, i64)>> {
                Ok(sqlx::query_as("SELECT id, case_no, version FROM cases WHERE id > $1 ORDER BY id LIMIT $2")
                    .bind(after)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn clocked_cases(
                &self,
                after: i64,
                statuses: &[tongban_domain::case::Status],
                missing_due: bool,
                limit: i64,
            ) -> $crate::Result<Vec<$crate::CaseRecord>> {
                let statuses = statuses.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",");
                // Only the missing ones: on the partial index `cases_due_missing`.
                let missing = if missing_due { "AND due_on IS NULL" } else { "" };
                sqlx::query_as::<_, $crate::cases::CaseRow>(sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM cases
                      WHERE id > $1 AND accepted_on IS NOT NULL AND decided_on IS NULL {missing}
                        AND (',' || $2 || ',') LIKE ('%,' || status || ',%')
                      ORDER BY id LIMIT $3",
                    $crate::cases::CASE_COLUMNS
                )))
                .bind(after)
                .bind(&statuses)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map($crate::CaseRecord::try_from)
                .collect()
            }

            async fn set_due_dates(&self, dates: &[(tongban_domain::CaseId, Option<time::Date>)]) -> $crate::Result<()> {
                let mut tx = self.begin_write().await?;
                for (id, due) in dates {
                    sqlx::query("UPDATE cases SET due_on = $1 WHERE id = $2")
                        .bind(due.map($crate::codec::date_str))
                        .bind(id.0)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(())
            }
        }

        impl $ty {
            /// Opens a video check's write: the case (by number) steps one
            /// version if still at `expected`; answers the transaction, the
            /// case id, its status and the head its event chains to.
            async fn video_step(
                mut tx: $tx,
                case_no: &str,
                expected: i64,
                at: i64,
            ) -> $crate::Result<($tx, i64, String, String)> {
                let (id, status): (i64, String) = sqlx::query_as("SELECT id, status FROM cases WHERE case_no = $1")
                    .bind(case_no)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or($crate::StoreError::NotFound)?;
                let updated = sqlx::query("UPDATE cases SET version = version + 1, updated_at = $1 WHERE id = $2 AND version = $3")
                    .bind(at)
                    .bind(id)
                    .bind(expected)
                    .execute(&mut *tx)
                    .await?;
                if updated.rows_affected() != 1 {
                    return Err($crate::StoreError::Conflict("version".into()));
                }
                let head: String = sqlx::query_scalar("SELECT head_hash FROM cases WHERE id = $1")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                Ok((tx, id, status, head))
            }

            async fn load_video_check(
                conn: &mut <$db as sqlx::Database>::Connection,
                case_id: i64,
                check_id: i64,
            ) -> $crate::Result<$crate::VideoCheckRecord> {
                sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM video_checks WHERE id = $1 AND case_id = $2",
                    $crate::video::VIDEO_COLUMNS
                )))
                .bind(check_id)
                .bind(case_id)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or($crate::StoreError::NotFound)
            }

            async fn append_event(
                tx: &mut $tx,
                case_id: i64,
                case_no: &str,
                seq: i64,
                prev: &str,
                status: &str,
                e: &$crate::NewEvent,
            ) -> $crate::Result<String> {
                let hash = $crate::cases::chained_hash(case_no, seq, prev, status, e);
                Self::insert_event(tx, case_id, seq, prev, &hash, status, e).await?;
                Ok(hash)
            }

            /// Inserts a case event whose hash is computed.
            #[allow(clippy::too_many_arguments)]
            async fn insert_event(
                tx: &mut $tx,
                case_id: i64,
                seq: i64,
                prev: &str,
                hash: &str,
                status: &str,
                e: &$crate::NewEvent,
            ) -> $crate::Result<()> {
                sqlx::query(
                    "INSERT INTO case_events (case_id, seq, at, actor_id, role, hall_id, department_id, action, status, payload,
                       prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                )
                .bind(case_id)
                .bind(seq)
                .bind(e.at)
                .bind(e.actor.0)
                .bind(&e.role)
                .bind(e.hall.map(|h| h.0))
                .bind(e.department.map(|d| d.0))
                .bind(&e.action)
                .bind(status)
                .bind(&e.payload)
                .bind(prev)
                .bind(hash)
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            /// Adds a case's tallies to the kept counts, in its slot: one
            /// statement for the flows and one for the stock.
            async fn write_counts(tx: &mut $tx, case_id: i64, rows: &$crate::cases::CountRows) -> $crate::Result<()> {
                let slot = case_id % $crate::cases::COUNT_SLOTS;
                if !rows.flows.is_empty() {
                    let mut q = sqlx::QueryBuilder::new("INSERT INTO case_flow_counts (scope, scope_id, day, flow, slot, n) ");
                    q.push_values(&rows.flows, |mut b, (scope, id, day, flow)| {
                        b.push_bind(*scope).push_bind(*id).push_bind(day.as_str()).push_bind(*flow).push_bind(slot).push_bind(1i64);
                    });
                    q.push(" ON CONFLICT (scope, scope_id, day, flow, slot) DO UPDATE SET n = case_flow_counts.n + excluded.n");
                    q.build().execute(&mut **tx).await?;
                }
                if !rows.stock.is_empty() {
                    let mut q = sqlx::QueryBuilder::new("INSERT INTO case_stock_counts (scope, scope_id, status, slot, n) ");
                    q.push_values(&rows.stock, |mut b, (scope, id, status, delta)| {
                        b.push_bind(*scope).push_bind(*id).push_bind(*status).push_bind(slot).push_bind(*delta);
                    });
                    q.push(" ON CONFLICT (scope, scope_id, status, slot) DO UPDATE SET n = case_stock_counts.n + excluded.n");
                    q.build().execute(&mut **tx).await?;
                }
                Ok(())
            }

            /// Inside a write: the answer already recorded under the key, if
            /// any — seen even before its batch commits; then this (empty)
            /// transaction joins that commit so the replay is durable.
            async fn replay_in(mut tx: $tx, key: Option<(&str, &str)>) -> $crate::Result<$tx> {
                let Some((scope, key)) = key else { return Ok(tx) };
                let r = sqlx::query_as("SELECT status, body FROM idempotency_keys WHERE scope = $1 AND key = $2")
                    .bind(scope)
                    .bind(key)
                    .fetch_optional(&mut *tx)
                    .await?;
                match r.map($crate::cases::idem_answer) {
                    None => Ok(tx),
                    Some((status, body)) => {
                        tx.commit().await?;
                        Err($crate::StoreError::Replayed(status, body))
                    }
                }
            }

            async fn record_idempotency(
                tx: &mut $tx,
                record: &$crate::CaseRecord,
                idem: Option<$crate::IdemWrite<'_>>,
                at: i64,
            ) -> $crate::Result<Option<String>> {
                let Some(i) = idem else { return Ok(None) };
                let body = (i.render)(record);
                sqlx::query("INSERT INTO idempotency_keys (scope, key, status, body, created_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(&i.scope)
                    .bind(&i.key)
                    .bind(i64::from(i.status))
                    .bind(&body)
                    .bind(at)
                    .execute(&mut **tx)
                    .await?;
                Ok(Some(body))
            }

            async fn load_case(conn: &mut <$db as sqlx::Database>::Connection, case_no: &str) -> $crate::Result<$crate::CaseRecord> {
                sqlx::query_as::<_, $crate::cases::CaseRow>(sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM cases WHERE case_no = $1",
                    $crate::cases::CASE_COLUMNS
                )))
                .bind(case_no)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or($crate::StoreError::NotFound)?
                .try_into()
            }
        }
    };
}
pub(crate) use impl_cases;
