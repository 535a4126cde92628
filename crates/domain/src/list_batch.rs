//! Batches of the 全域通办 list (第一批, 第二批 …): a platform admin drafts
//! the entries a batch adds, changes or removes, another approves and
//! publishes it with the day it comes into force. What is in force on a day
//! is every published batch in force by then, applied in order.

use crate::city::RegionLevel;
use crate::i18n::Text;
use crate::ids::{HallId, ItemCode, UserId};
use crate::tongban::{ListEntry, Mode};
use crate::validate::FieldError;
use serde::{Deserialize, Serialize};
use strum::{EnumString, IntoStaticStr, VariantArray};

/// Where a batch is in its review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(IntoStaticStr, EnumString, VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum BatchState {
    /// 草稿: the drafter edits it.
    Draft,
    /// 待审核: submitted, waiting for another platform admin.
    Submitted,
    /// 已退回: sent back with a reason; editing makes it a draft again.
    Returned,
    /// 已发布: immutable; in force from its effective date.
    Published,
}

impl BatchState {
    /// Identifier.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    /// Parses [`Self::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }
    /// zh-CN label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "草稿",
            Self::Submitted => "待审核",
            Self::Returned => "已退回",
            Self::Published => "已发布",
        }
    }
}

/// A step on a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BatchStep {
    /// Change its entries or name.
    Edit,
    /// Submit it for review.
    Submit,
    /// Approve and publish it.
    Publish,
    /// Send it back to the drafter with a reason.
    Return,
}

impl BatchStep {
    /// zh-CN label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Edit => "修改",
            Self::Submit => "提交审核",
            Self::Publish => "审核发布",
            Self::Return => "退回",
        }
    }

    /// The state after this step from `from`, or why it cannot be taken.
    pub fn after(self, from: BatchState) -> Result<BatchState, FieldError> {
        use BatchState as S;
        match (from, self) {
            (S::Draft | S::Returned, Self::Edit) => Ok(S::Draft),
            (S::Draft | S::Returned, Self::Submit) => Ok(S::Submitted),
            (S::Submitted, Self::Publish) => Ok(S::Published),
            (S::Submitted, Self::Return) => Ok(S::Returned),
            (from, step) => Err(FieldError::new(
                "state",
                "batch.invalid_transition",
                crate::text!(
                    "{state}的批次不能{step}",
                    state = from.label(),
                    step = step.label()
                ),
            )),
        }
    }
}

/// The four-eyes rule: a batch is approved by a platform admin other than
/// the one who drafted it.
pub fn check_reviewer(drafter: UserId, reviewer: UserId) -> Result<(), FieldError> {
    if drafter == reviewer {
        return Err(FieldError::new(
            "reviewer",
            "batch.four_eyes",
            "起草人不能审核发布自己起草的批次，请由另一位平台管理员审核",
        ));
    }
    Ok(())
}

/// A batch's effective date is today or later (a list is never changed in
/// the past: cases received then were checked against the old one).
pub fn check_effective(effective: time::Date, today: time::Date) -> Result<(), FieldError> {
    if effective < today {
        return Err(FieldError::new(
            "effective",
            "batch.effective_past",
            crate::text!("生效日期不能早于今天（{today}）", today = today),
        ));
    }
    Ok(())
}

/// A batch's name: 1 to 40 characters.
pub fn check_name(name: &str) -> Result<String, FieldError> {
    let n = name.trim();
    if n.is_empty() {
        return Err(FieldError::new("name", "required", "请填写批次名称"));
    }
    if n.chars().count() > 40 {
        return Err(FieldError::new(
            "name",
            "batch.name_long",
            "批次名称不超过40个字",
        ));
    }
    Ok(n.to_owned())
}

/// One entry of a batch: the item's new listing, or its removal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchEntry {
    /// Item code.
    pub item: ItemCode,
    /// True when the batch removes the item from the list.
    #[serde(default)]
    pub remove: bool,
    /// Allowed modes (empty for a removal).
    #[serde(default)]
    pub modes: Vec<Mode>,
    /// Hall levels.
    #[serde(default)]
    pub levels: Vec<RegionLevel>,
    /// Named halls besides the levels.
    #[serde(default)]
    pub halls: Vec<HallId>,
}

impl BatchEntry {
    /// The list entry this batch entry makes (none for a removal).
    pub fn listing(&self, batch: &PublishedBatch) -> Option<ListEntry> {
        (!self.remove).then(|| ListEntry {
            batch: batch.no,
            item: self.item.clone(),
            modes: self.modes.clone(),
            levels: self.levels.clone(),
            halls: self.halls.clone(),
            batch_name: batch.name.clone(),
            effective: batch.effective.to_string(),
        })
    }

    /// Whether it lists the item exactly as `e` does.
    fn same_as(&self, e: &ListEntry) -> bool {
        !self.remove && sorted(&self.modes) == sorted(&e.modes) && {
            sorted(&self.levels) == sorted(&e.levels) && sorted(&self.halls) == sorted(&e.halls)
        }
    }
}

fn sorted<T: Ord + Clone>(v: &[T]) -> Vec<T> {
    let mut v = v.to_vec();
    v.sort();
    v.dedup();
    v
}

/// A published batch with its entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedBatch {
    /// Number.
    pub no: i32,
    /// Name.
    pub name: String,
    /// The day it comes into force.
    pub effective: time::Date,
    /// Its entries.
    pub entries: Vec<BatchEntry>,
}

/// The list in force on `day`: every batch in force by then (effective on
/// or before it), applied in the order of their effective dates (and
/// numbers, for one day), each entry replacing or removing the item's
/// earlier one. By item code.
pub fn in_force(batches: &[PublishedBatch], day: time::Date) -> Vec<ListEntry> {
    let mut order: Vec<&PublishedBatch> = batches.iter().filter(|b| b.effective <= day).collect();
    order.sort_by_key(|b| (b.effective, b.no));
    let mut list = std::collections::BTreeMap::new();
    for b in order {
        for e in &b.entries {
            match e.listing(b) {
                Some(l) => list.insert(e.item.clone(), l),
                None => list.remove(&e.item),
            };
        }
    }
    list.into_values().collect()
}

/// How a batch entry changes the list in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// 新增: not in the list.
    Added,
    /// 变更: listed otherwise.
    Changed,
    /// 移出: listed, removed.
    Removed,
    /// 无变化: listed exactly so already.
    Unchanged,
    /// Removes an item that is not listed.
    NotListed,
}

impl Change {
    /// zh-CN label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Added => "新增",
            Self::Changed => "变更",
            Self::Removed => "移出",
            Self::Unchanged => "无变化",
            Self::NotListed => "未列入（无需移出）",
        }
    }
}

/// One line of a batch's difference from the list in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DiffLine {
    /// Item code.
    pub item: ItemCode,
    /// What changes.
    pub change: Change,
    /// The change in words (zh-CN, shown in the caller's language).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub words: Text,
}

/// The words of a listing: modes, then levels and named halls.
pub fn listing_words(
    modes: &[Mode],
    levels: &[RegionLevel],
    halls: &[HallId],
    hall_name: &dyn Fn(HallId) -> String,
) -> Text {
    let m = sorted(modes).into_iter().map(|m| Text::from(m.label()));
    let places = sorted(levels)
        .into_iter()
        .map(|l| Text::from(l.label()))
        .chain(sorted(halls).into_iter().map(|h| Text::raw(hall_name(h))));
    Text::join([Text::join(m, "、"), Text::join(places, "、")], "；")
}

/// The difference a batch makes to the list `current` (in force), entry by
/// entry, in words: `name` gives an item's name, `hall_name` a hall's.
pub fn diff(
    current: &[ListEntry],
    batch: &[BatchEntry],
    name: &dyn Fn(&ItemCode) -> String,
    hall_name: &dyn Fn(HallId) -> String,
) -> Vec<DiffLine> {
    batch
        .iter()
        .map(|e| {
            let before = current.iter().find(|c| c.item == e.item);
            let n = name(&e.item);
            let after = || listing_words(&e.modes, &e.levels, &e.halls, hall_name);
            let (change, words) = match before {
                None if e.remove => (
                    Change::NotListed,
                    crate::text!("“{item}”不在现行清单中，无需移出", item = &n),
                ),
                None => (
                    Change::Added,
                    crate::text!("新增“{item}”：{listing}", item = &n, listing = after()),
                ),
                Some(_) if e.remove => (Change::Removed, crate::text!("移出“{item}”", item = &n)),
                Some(b) if e.same_as(b) => (
                    Change::Unchanged,
                    crate::text!("“{item}”与现行清单相同", item = &n),
                ),
                Some(b) => (
                    Change::Changed,
                    crate::text!(
                        "变更“{item}”：由 {before} 改为 {after}",
                        item = &n,
                        before = listing_words(&b.modes, &b.levels, &b.halls, hall_name),
                        after = after()
                    ),
                ),
            };
            DiffLine {
                item: e.item.clone(),
                change,
                words,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn entry(item: &str, modes: &[Mode], levels: &[RegionLevel]) -> BatchEntry {
        BatchEntry {
            item: ItemCode(item.into()),
            remove: false,
            modes: modes.to_vec(),
            levels: levels.to_vec(),
            halls: vec![],
        }
    }

    fn removal(item: &str) -> BatchEntry {
        BatchEntry {
            item: ItemCode(item.into()),
            remove: true,
            modes: vec![],
            levels: vec![],
            halls: vec![],
        }
    }

    fn batch(no: i32, effective: time::Date, entries: Vec<BatchEntry>) -> PublishedBatch {
        PublishedBatch {
            no,
            name: format!("第{no}批"),
            effective,
            entries,
        }
    }

    fn history() -> Vec<PublishedBatch> {
        use Mode::*;
        use RegionLevel::*;
        vec![
            batch(
                1,
                date!(2021 - 06 - 10),
                vec![
                    entry("A", &[Online], &[City]),
                    entry("B", &[AcceptRemote], &[City, County]),
                ],
            ),
            // Published later but in force before batch 3.
            batch(
                3,
                date!(2022 - 01 - 01),
                vec![removal("A"), entry("C", &[Online], &[Town])],
            ),
            batch(
                2,
                date!(2021 - 09 - 30),
                vec![entry("B", &[AcceptRemote], &[City, County, Town])],
            ),
        ]
    }

    fn items(list: &[ListEntry]) -> Vec<(&str, i32)> {
        list.iter().map(|e| (e.item.as_str(), e.batch)).collect()
    }

    #[test]
    fn in_force_applies_batches_in_force_by_the_day_in_effective_order() {
        let h = history();
        assert!(in_force(&h, date!(2021 - 06 - 09)).is_empty());
        assert_eq!(
            items(&in_force(&h, date!(2021 - 06 - 10))),
            [("A", 1), ("B", 1)]
        );
        let sep = in_force(&h, date!(2021 - 09 - 30));
        assert_eq!(items(&sep), [("A", 1), ("B", 2)]);
        assert_eq!(sep[1].levels.len(), 3);
        assert_eq!(sep[1].batch_name, "第2批");
        assert_eq!(sep[1].effective, "2021-09-30");
        assert_eq!(
            items(&in_force(&h, date!(2021 - 12 - 31))),
            [("A", 1), ("B", 2)]
        );
        assert_eq!(
            items(&in_force(&h, date!(2022 - 01 - 01))),
            [("B", 2), ("C", 3)],
            "batch 3 removes A and adds C from its effective day"
        );
    }

    #[test]
    fn two_batches_on_one_day_apply_by_number() {
        use Mode::*;
        let h = vec![
            batch(5, date!(2023 - 01 - 01), vec![removal("A")]),
            batch(
                4,
                date!(2023 - 01 - 01),
                vec![entry("A", &[Online], &[RegionLevel::City])],
            ),
        ];
        assert!(in_force(&h, date!(2023 - 01 - 01)).is_empty());
    }

    #[test]
    fn diff_says_added_changed_removed_and_unchanged() {
        use Mode::*;
        use RegionLevel::*;
        let current = in_force(&history(), date!(2021 - 10 - 01));
        let mut named = entry("H", &[Online], &[]);
        named.halls = vec![HallId(7)];
        let lines = diff(
            &current,
            &[
                entry("D", &[Online], &[City]),
                entry("B", &[AcceptRemote], &[City]),
                entry("A", &[Online], &[City]),
                removal("A"),
                removal("Z"),
                named,
            ],
            &|c| format!("事项{c}"),
            &|h| format!("中心{}", h.0),
        );
        let changes: Vec<Change> = lines.iter().map(|l| l.change).collect();
        assert_eq!(
            changes,
            [
                Change::Added,
                Change::Changed,
                Change::Unchanged,
                Change::Removed,
                Change::NotListed,
                Change::Added
            ]
        );
        assert_eq!(lines[0].words, "新增“事项D”：全程网办；市级");
        assert!(
            lines[1]
                .words
                .starts_with("变更“事项B”：由 窗口受审分离；市级、")
        );
        assert!(lines[1].words.ends_with("改为 窗口受审分离；市级"));
        assert_eq!(lines[3].words, "移出“事项A”");
        assert_eq!(lines[5].words, "新增“事项H”：全程网办；中心7");
    }

    #[test]
    fn states_move_draft_submitted_published_or_returned_and_back() {
        use BatchState::*;
        use BatchStep::*;
        assert_eq!(Edit.after(Draft).unwrap(), Draft);
        assert_eq!(Submit.after(Draft).unwrap(), Submitted);
        assert_eq!(Publish.after(Submitted).unwrap(), Published);
        assert_eq!(Return.after(Submitted).unwrap(), Returned);
        assert_eq!(Edit.after(Returned).unwrap(), Draft);
        assert_eq!(Submit.after(Returned).unwrap(), Submitted);
        for (from, step) in [
            (Draft, Publish),
            (Draft, Return),
            (Submitted, Edit),
            (Submitted, Submit),
            (Returned, Publish),
            (Published, Edit),
            (Published, Submit),
            (Published, Publish),
            (Published, Return),
        ] {
            let e = step.after(from).unwrap_err();
            assert_eq!(e.code, "batch.invalid_transition", "{from:?} {step:?}");
        }
    }

    #[test]
    fn four_eyes_and_effective_date() {
        assert_eq!(
            check_reviewer(UserId(1), UserId(1)).unwrap_err().code,
            "batch.four_eyes"
        );
        assert!(check_reviewer(UserId(1), UserId(2)).is_ok());
        let today = date!(2026 - 12 - 05);
        assert!(check_effective(today, today).is_ok());
        assert!(check_effective(date!(2026 - 12 - 06), today).is_ok());
        assert_eq!(
            check_effective(date!(2026 - 12 - 04), today)
                .unwrap_err()
                .code,
            "batch.effective_past"
        );
        assert_eq!(check_name("  第三批 ").unwrap(), "第三批");
        assert!(check_name(" ").is_err());
        assert!(check_name(&"批".repeat(41)).is_err());
    }

    #[test]
    fn state_strings_round_trip() {
        for s in BatchState::VARIANTS {
            assert_eq!(BatchState::parse(s.as_str()), Some(*s));
        }
    }
}
