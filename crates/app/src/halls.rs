//! The hall directory (服务大厅): the halls found by place or by item, and
//! the nearest to a chosen town or community — nearness by the region tree
//! (`city::nearness`; halls carry no coordinates) — in the words a visitor
//! reads, with tappable phone numbers.

use crate::{App, AppResult};
use serde::Serialize;
use tongban_domain::city::{Hall, HallKind, Region, RegionLevel, nearness};
use tongban_domain::i18n::Text;
use tongban_domain::text;
use tongban_domain::{ItemCode, RegionCode};

/// What the visitor asked: words (a place or an item), a place to be near,
/// an item (from its page's 去哪里办).
#[derive(Debug, Default, Clone)]
pub struct DirectoryQuery {
    /// A place (hall, street, town, county, address) or an item, typed.
    pub q: String,
    /// The town or community to be near (a region code).
    pub near: Option<String>,
    /// The item whose receiving halls to list (an item code).
    pub item: Option<String>,
}

/// The directory page.
#[derive(Debug, Serialize)]
pub struct HallDirectory {
    /// The words asked.
    pub q: String,
    /// The place chosen to be near.
    pub near: Option<String>,
    /// Its name.
    pub near_name: Option<String>,
    /// The item the halls were found by, when they were.
    pub item: Option<ItemRef>,
    /// The item was asked by code (kept when the visitor searches on).
    pub item_asked: bool,
    /// The towns and communities to choose from, by county.
    pub places: Vec<PlaceGroup>,
    /// Nothing asked: every hall, by level.
    pub groups: Vec<HallGroup>,
    /// Something asked: the halls found, nearest first when a place is chosen.
    pub found: Option<Vec<HallCard>>,
    /// What the search found, in words.
    pub summary: Option<Text>,
}

/// An item the halls were found by.
#[derive(Debug, Serialize)]
pub struct ItemRef {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
}

/// The places of one county.
#[derive(Debug, Serialize)]
pub struct PlaceGroup {
    /// The county's name.
    pub label: String,
    /// Its towns and their communities.
    pub places: Vec<PlaceOption>,
}

/// A town or community to be near.
#[derive(Debug, Serialize)]
pub struct PlaceOption {
    /// Region code.
    pub code: String,
    /// Name (a community under its town).
    pub name: String,
    /// Chosen.
    pub selected: bool,
}

/// Halls of one level.
#[derive(Debug, Serialize)]
pub struct HallGroup {
    /// Heading.
    pub label: Text,
    /// The halls.
    pub halls: Vec<HallCard>,
}

/// A hall as the directory shows it.
#[derive(Debug, Serialize)]
pub struct HallCard {
    /// Id (for booking).
    pub id: i64,
    /// Name.
    pub name: String,
    /// 试点.
    pub pilot: bool,
    /// Where it is in the region tree ("荔城区 镇海街道").
    pub place: String,
    /// Street address.
    pub address: String,
    /// Opening hours.
    pub opening_hours: String,
    /// 错时延时 hours, weekend hours and the 24-hour area, in words.
    pub more_hours: Text,
    /// Switchboard, shown.
    pub phone: String,
    /// Switchboard, dialled (`tel:` target).
    pub tel: String,
    /// How near the chosen place, in words.
    pub distance: Option<Text>,
    /// Its windows, 专窗 first.
    pub windows: Vec<WindowLine>,
}

/// A window of a hall card.
#[derive(Debug, Serialize)]
pub struct WindowLine {
    /// Counter number.
    pub number: String,
    /// Name.
    pub name: String,
    /// The 全域通办专窗.
    pub tongban: bool,
    /// Staff.
    pub staff: i32,
    /// Contact person.
    pub contact: String,
    /// The staff named to it (专人), reached on the window's phone.
    pub named: Vec<String>,
    /// Phone, shown.
    pub phone: String,
    /// Phone, dialled.
    pub tel: String,
}

/// A phone number as a `tel:` target: digits, `+` and `-` only (the
/// extension after `转` dropped).
pub fn tel(phone: &str) -> String {
    let main = phone.split(['转', '/', '，', ',']).next().unwrap_or("");
    main.chars()
        .filter(|c| c.is_ascii_digit() || *c == '+' || *c == '-')
        .collect()
}

/// The words for a nearness (see `city::nearness`).
fn distance_words(n: usize, from_level: Option<RegionLevel>) -> &'static str {
    match (n, from_level) {
        (0, _) => "就在所选地点",
        (1, Some(RegionLevel::Community)) => "同一镇（街道）",
        (1, _) | (2, Some(RegionLevel::Community)) => "同一县（区）",
        _ => "市内其他地方",
    }
}

/// The directory for what was asked.
pub async fn directory(app: &App, ask: DirectoryQuery) -> AppResult<HallDirectory> {
    let lookups = crate::Lookups::load(app).await?;
    let data = lookups.data();
    // A retired hall is not offered (its cases keep its name).
    let live: Vec<Hall> = data.halls.iter().filter(|h| !h.retired).cloned().collect();
    let (regions, halls) = (&data.regions, &live);
    let q: String = ask.q.trim().chars().take(50).collect();
    let near = ask.near.filter(|c| regions.iter().any(|r| &r.code.0 == c));
    let near_region = near
        .as_ref()
        .and_then(|c| regions.iter().find(|r| &r.code.0 == c));
    // An item: asked by code, or the best match of words no place matches.
    let mut item = None;
    let by_place: Vec<&Hall> = if q.is_empty() {
        halls.iter().collect()
    } else {
        halls
            .iter()
            .filter(|h| place_matches(h, regions, &q))
            .collect()
    };
    let mut chosen = by_place;
    let index = app
        .catalogue
        .index(app.store.as_ref(), app.now.today())
        .await?;
    let docs = index.docs();
    let doc = match &ask.item {
        Some(code) => docs
            .iter()
            .find(|d| d.summary.code == ItemCode(code.clone())),
        None if !q.is_empty() && chosen.is_empty() => index
            .rank(&q, &Default::default())
            .first()
            .map(|&i| &docs[i]),
        None => None,
    };
    if let Some(d) = doc {
        // An item asked by code narrows the places found; one found by the
        // words (no place matched them) is looked for everywhere.
        let within = if ask.item.is_some() {
            chosen
        } else {
            halls.iter().collect()
        };
        chosen = within
            .into_iter()
            .filter(|h| d.levels.contains(&h.level))
            .collect();
        item = Some(ItemRef {
            code: d.summary.code.0.clone(),
            name: d.summary.name.clone(),
        });
    }
    let asked = !q.is_empty() || near_region.is_some() || item.is_some();
    let mut cards: Vec<(usize, HallCard)> = chosen
        .into_iter()
        .map(|h| {
            let n = near_region.and_then(|r| nearness(regions, &r.code, &h.region));
            let mut c = card(h, regions);
            c.distance = n.map(|n| distance_words(n, near_region.map(|r| r.level)).into());
            (n.unwrap_or(usize::MAX), c)
        })
        .collect();
    cards.sort_by_key(|(n, _)| *n);
    let summary = asked.then(|| summary(&q, item.as_ref(), near_region, cards.len()));
    let (groups, found) = if asked {
        (
            Vec::new(),
            Some(cards.into_iter().map(|(_, c)| c).collect()),
        )
    } else {
        (
            by_level(cards.into_iter().map(|(_, c)| c).collect(), halls),
            None,
        )
    };
    Ok(HallDirectory {
        places: places(regions, near.as_deref()),
        near_name: near_region.map(|r| r.name.clone()),
        q,
        near,
        item_asked: ask.item.is_some() && item.is_some(),
        item,
        groups,
        found,
        summary,
    })
}

fn summary(q: &str, item: Option<&ItemRef>, near: Option<&Region>, n: usize) -> Text {
    let what = match (item, q.is_empty()) {
        (Some(i), _) => text!("可办理“{item}”的服务大厅", item = &i.name),
        (None, false) => text!("与“{q}”有关的服务大厅", q = q.to_owned()),
        (None, true) => "服务大厅".into(),
    };
    match (n, near) {
        (0, _) => text!("没有找到{what}。请换一个地名或事项名称再试。", what = what),
        (n, Some(r)) => text!(
            "共 {n} 个{what}，按离{place}由近到远排列。",
            n = n,
            what = what,
            place = &r.name
        ),
        (n, None) => text!("共 {n} 个{what}。", n = n, what = what),
    }
}

/// The hall's region and its parents below the city, top down.
fn region_names(h: &Hall, regions: &[Region]) -> Vec<String> {
    let mut names = Vec::new();
    let mut at = regions.iter().find(|r| r.code == h.region);
    while let Some(r) = at {
        if r.level == RegionLevel::City || names.len() > 4 {
            break;
        }
        names.push(r.name.clone());
        at = (r.parent.as_ref()).and_then(|p| regions.iter().find(|x| &x.code == p));
    }
    names.reverse();
    names
}

fn place_matches(h: &Hall, regions: &[Region], q: &str) -> bool {
    h.name.contains(q)
        || h.address.contains(q)
        || region_names(h, regions)
            .iter()
            .any(|n| n.contains(q) || q.contains(n.as_str()))
}

/// A hall's hours beyond the regular ones, in words.
fn more_hours(h: &Hall) -> Text {
    let mut parts = Vec::new();
    if !h.extended_hours.is_empty() {
        let hours = h.extended_hours.replace(',', "、");
        parts.push(text!("错时延时 {hours}", hours = hours));
    }
    if !h.weekend_hours.is_empty() {
        let hours = h.weekend_hours.replace(',', "、");
        parts.push(text!("周末 {hours}", hours = hours));
    }
    if h.self_service_24h {
        parts.push("24小时自助服务区".into());
    }
    Text::join(parts, "；")
}

fn card(h: &Hall, regions: &[Region]) -> HallCard {
    HallCard {
        id: h.id.0,
        name: h.name.clone(),
        pilot: h.pilot,
        place: region_names(h, regions).join(" "),
        address: h.address.clone(),
        opening_hours: h.opening_hours.clone(),
        more_hours: more_hours(h),
        tel: tel(&h.phone),
        phone: h.phone.clone(),
        distance: None,
        windows: (h.windows.iter())
            .filter(|w| !w.retired)
            .map(|w| WindowLine {
                number: w.number.clone(),
                name: w.name.clone(),
                tongban: w.tongban,
                staff: w.staff,
                contact: w.contact.clone(),
                named: w.named_staff.iter().map(|n| n.name.clone()).collect(),
                tel: tel(&w.phone),
                phone: w.phone.clone(),
            })
            .collect(),
    }
}

/// Every hall by level, as the notice's attachment 2 lists them.
fn by_level(cards: Vec<HallCard>, halls: &[Hall]) -> Vec<HallGroup> {
    let levels: [(&'static str, RegionLevel, Option<HallKind>); 5] = [
        ("市级行政服务中心", RegionLevel::City, None),
        ("县（区、管委会）行政服务中心", RegionLevel::County, None),
        (
            "试点镇（街）便民服务中心",
            RegionLevel::Town,
            Some(HallKind::ConvenienceCentre),
        ),
        ("试点“党建+”社区邻里中心", RegionLevel::Community, None),
        (
            "试点“党建+”园区邻里中心",
            RegionLevel::Town,
            Some(HallKind::ParkCentre),
        ),
    ];
    let mut cards: Vec<Option<HallCard>> = cards.into_iter().map(Some).collect();
    levels
        .into_iter()
        .map(|(label, level, kind)| {
            let halls = cards
                .iter_mut()
                .filter_map(|slot| {
                    let h = halls
                        .iter()
                        .find(|h| Some(h.id.0) == slot.as_ref().map(|c| c.id))?;
                    (h.level == level && kind.is_none_or(|k| h.kind == k)).then(|| slot.take())?
                })
                .collect();
            HallGroup {
                label: label.into(),
                halls,
            }
        })
        .collect()
}

/// The towns and communities to be near, by county, in the tree's order.
fn places(regions: &[Region], chosen: Option<&str>) -> Vec<PlaceGroup> {
    let children = |p: &RegionCode| {
        regions
            .iter()
            .filter(move |r| r.parent.as_ref() == Some(p))
            .collect::<Vec<_>>()
    };
    let option = |r: &Region, name: String| PlaceOption {
        code: r.code.0.clone(),
        name,
        selected: chosen == Some(r.code.0.as_str()),
    };
    (regions.iter())
        .filter(|r| r.level == RegionLevel::County)
        .map(|county| {
            let mut places = Vec::new();
            for town in children(&county.code) {
                places.push(option(town, town.name.clone()));
                for c in children(&town.code) {
                    places.push(option(c, format!("{} · {}", town.name, c.name)));
                }
            }
            PlaceGroup {
                label: county.name.clone(),
                places,
            }
        })
        .filter(|g| !g.places.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn tel_keeps_what_a_phone_dials() {
        assert_eq!(super::tel("0594-2865000"), "0594-2865000");
        assert_eq!(super::tel("0594 2865000 转 8"), "05942865000");
        assert_eq!(super::tel("（0594）2865000"), "05942865000");
    }
}
