use super::layout::{hall_pages, item_pages};
use super::*;
use crate::guide_map::approx_em;
use time::macros::date;
use tongban_domain::calendar::Calendar;
use tongban_domain::catalogue::implementing_departments;
use tongban_domain::city::{Region, RegionLevel};
use tongban_domain::grant::{Grant, Grantee, Revocation};
use tongban_domain::{RegionCode, UserId};

/// The demo city as reference data (ids in file order), its current items
/// and list, and who implements what.
struct City {
    data: RefData,
    items: Vec<ItemVersion>,
    entries: Vec<ListEntry>,
    impls: Vec<Implementation>,
}

fn city(grants: Vec<Grant>) -> City {
    let d = tongban_demo::Demo::load().unwrap();
    let level_of =
        |regions: &[Region], r: &RegionCode| regions.iter().find(|x| &x.code == r).map(|x| x.level);
    let halls: Vec<Hall> = (d.halls.iter().enumerate())
        .map(|(i, h)| Hall {
            weekend_hours: Default::default(),
            extended_hours: Default::default(),
            retired: Default::default(),
            self_service_24h: Default::default(),
            id: HallId(i as i64 + 1),
            key: h.key.clone(),
            name: h.name.clone(),
            kind: h.kind,
            region: h.region.clone(),
            level: level_of(&d.regions, &h.region).unwrap(),
            pilot: h.pilot,
            address: h.address.clone(),
            opening_hours: h.opening_hours.clone(),
            phone: h.phone.clone(),
            windows: vec![],
        })
        .collect();
    let departments: Vec<Department> = (d.departments.iter().enumerate())
        .map(|(i, x)| Department {
            retired: Default::default(),
            id: DepartmentId(i as i64 + 1),
            key: x.key.clone(),
            name: x.name.clone(),
            kind: x.kind,
            region: x.region.clone(),
            system: x.system,
            phone: x.phone.clone(),
            contact: x.contact.clone(),
        })
        .collect();
    let items: Vec<ItemVersion> = (d.items.into_iter())
        .map(|i| ItemVersion {
            version: 1,
            published_at: "2026-11-28T08:00:00Z".into(),
            content: i.content,
        })
        .collect();
    let impls = (items.iter())
        .flat_map(|v| {
            implementing_departments(&v.content, &departments, |r| level_of(&d.regions, r))
                .into_iter()
                .map(|id| Implementation {
                    item: v.content.code.clone(),
                    department: id,
                    department_name: String::new(),
                    region: departments[id.0 as usize - 1].region.clone(),
                })
        })
        .collect();
    let places = halls.iter().map(|h| HallPlace::of(h, &d.regions)).collect();
    City {
        data: RefData {
            cal: Calendar::default(),
            departments,
            halls,
            regions: d.regions,
            places,
            grants,
            list_history: vec![],
            in_force: Default::default(),
        },
        items,
        entries: d.entries,
        impls,
    }
}

const TODAY: Date = date!(2026 - 12 - 05);

fn hall_named<'a>(c: &'a City, part: &str) -> &'a Hall {
    c.data.halls.iter().find(|h| h.name.contains(part)).unwrap()
}

fn manual_of(c: &City, hall: &Hall) -> HallManual {
    let items: Vec<ItemVersion> = (c.items.iter())
        .filter(|v| {
            (c.entries.iter()).any(|e| e.item == v.content.code && e.levels.contains(&hall.level))
        })
        .cloned()
        .collect();
    build_hall_manual(
        &HallSource {
            hall,
            data: &c.data,
            items: &items,
            entries: &c.entries,
            implementations: &c.impls,
            revision: 7,
        },
        TODAY,
        Lang::ZhCn,
    )
}

fn dept_named<'a>(c: &'a City, name: &str) -> &'a Department {
    c.data.departments.iter().find(|d| d.name == name).unwrap()
}

fn grant(c: &City, grantor: &str, hall: &Hall, rights: &[Right]) -> Grant {
    Grant {
        id: 1,
        grantor: dept_named(c, grantor).id,
        grantee: Grantee::Hall(hall.id),
        items: None,
        rights: rights.to_vec(),
        valid_from: date!(2026 - 01 - 01),
        valid_to: date!(2027 - 12 - 31),
        granted_by: UserId(1),
        granted_at: 0,
        reason: "试点".into(),
        revoked: None,
    }
}

/// Every text on the pages, spaces dropped (a wrapped line loses the space
/// it broke at).
fn texts(pages: &[Page]) -> String {
    pages
        .iter()
        .flat_map(|p| &p.shapes)
        .filter_map(|s| match s {
            Shape::Text { text, .. } => Some(text.replace(' ', "")),
            _ => None,
        })
        .collect()
}

use crate::guide_map::{Page, Shape};

fn squash(s: &str) -> String {
    s.replace(' ', "")
}

#[test]
fn every_situation_material_review_point_and_step_of_an_item_is_in_its_manual() {
    let c = city(vec![]);
    assert!(c.items.len() > 50);
    for v in &c.items {
        let src = GuideMapSource {
            version: v.clone(),
            listing: c.entries.iter().find(|e| e.item == v.content.code).cloned(),
        };
        let ids = (c.impls.iter())
            .filter(|i| i.item == v.content.code)
            .map(|i| i.department);
        let m = item_body(&src, contacts(&c.data, ids), Lang::ZhCn);
        let all = texts(&item_pages(&m, 7, "2026-12-05", &approx_em, Lang::ZhCn));
        let k = &v.content;
        assert!(all.contains(&squash(&k.name)), "{}", k.code);
        assert!(
            all.contains("第1版") && all.contains("目录修订7"),
            "{}",
            k.code
        );
        for s in &k.guide.situations {
            assert!(all.contains(&squash(&s.name)), "{}: {}", k.code, s.name);
        }
        for mt in &k.materials {
            assert!(all.contains(&squash(&mt.name)), "{}: {}", k.code, mt.name);
            for p in &mt.review_points {
                assert!(all.contains(&squash(p)), "{}: {p}", k.code);
                let reason = format!("《{}》不符合审查要点：{p}", mt.name);
                assert!(m.notice_reasons.contains(&reason), "{}: {reason}", k.code);
            }
        }
        for s in &k.steps {
            assert!(all.contains(&squash(s)), "{}: {s}", k.code);
        }
        assert!(!m.contacts.is_empty(), "{}", k.code);
        for ct in &m.contacts {
            assert!(all.contains(&squash(&ct.phone)), "{}: {}", k.code, ct.phone);
        }
        // Every step of each listed window mode's state machine, with who takes it.
        for mode in window_modes(&src) {
            for &a in Step::ALL {
                let taken = Status::ALL
                    .iter()
                    .any(|&s| transition(mode, s, a, Some(true), None).is_ok());
                if taken {
                    assert!(all.contains(a.label()), "{}: {mode:?} {a:?}", k.code);
                }
            }
        }
    }
}

#[test]
fn the_window_and_the_department_steps_come_from_the_state_machine() {
    let m = mode_steps(Mode::AcceptRemote, Lang::ZhCn);
    let accept = m.steps.iter().find(|s| s.step == "受理").unwrap();
    assert_eq!(accept.by, "窗口");
    assert_eq!(accept.right, Some("异地收件受理权"));
    assert_eq!(accept.clock, "开始计时");
    let decide = m.steps.iter().find(|s| s.step == "作出决定").unwrap();
    assert_eq!(decide.by, "审批部门");
    assert_eq!(decide.right, None);
    let m = mode_steps(Mode::CollectRemote, Lang::ZhCn);
    let accept = m.steps.iter().find(|s| s.step == "受理").unwrap();
    assert_eq!(accept.by, "审批部门", "收受分离: the department accepts");
    assert!(
        m.steps
            .iter()
            .any(|s| s.step == "预审通过" && s.by == "审批部门")
    );
    let rights = rights_explained(Lang::ZhCn);
    assert!(
        rights[0]
            .lets
            .iter()
            .any(|l| l.contains("窗口受审分离") && l.contains("受理"))
    );
    assert!(rights[1].lets.iter().any(|l| l.contains("一次性告知补正")));
    assert!(rights[3].lets.iter().any(|l| l.contains("办结")));
}

#[test]
fn a_hall_manual_lists_exactly_what_its_level_may_receive_with_its_rights() {
    let c = city(vec![]);
    for hall in [hall_named(&c, "镇海"), hall_named(&c, "莆田市行政服务中心")] {
        let m = manual_of(&c, hall);
        let want: std::collections::BTreeSet<&str> = (c.entries.iter())
            .filter(|e| e.levels.contains(&hall.level))
            .map(|e| e.item.as_str())
            .collect();
        let got: std::collections::BTreeSet<&str> =
            m.items.iter().map(|i| i.code.as_str()).collect();
        assert_eq!(got, want, "{}", hall.name);
        let under_depts: std::collections::BTreeSet<&str> = (m.departments.iter())
            .flat_map(|d| &d.items)
            .map(|i| i.code.as_str())
            .collect();
        assert_eq!(under_depts, want, "{}", hall.name);
        for d in &m.departments {
            for it in &d.items {
                assert_eq!(it.rights.len(), 4);
                if d.own {
                    assert!(it.rights.iter().all(|r| r.held && r.text == "本部门窗口"));
                }
            }
        }
    }
    // A community centre at level community: never a city-level-only entry.
    let zh = manual_of(&c, hall_named(&c, "镇海"));
    assert_eq!(zh.level, RegionLevel::Community.label());
}

#[test]
fn a_grant_shows_and_a_revoked_grant_changes_the_manual() {
    let base = city(vec![]);
    let hall = hall_named(&base, "龙桥").clone();
    let dept = "仙游县公安局";
    let g = grant(
        &base,
        dept,
        &hall,
        &[Right::RemoteAcceptance, Right::OneTimeNotice],
    );
    let granted = city(vec![g.clone()]);
    let find = |m: &HallManual| -> HallItem {
        let d = m.departments.iter().find(|d| d.name == dept).unwrap();
        d.items.first().cloned().unwrap()
    };
    let it = find(&manual_of(&granted, &hall));
    assert!(it.rights[0].held && it.rights[0].text == "已授权");
    assert!(it.rights[1].held);
    assert!(!it.rights[2].held && it.rights[2].text == "未授权");
    assert!(it.cannot.iter().any(|c| c.contains("原件核验权")));
    assert!(!it.cannot.iter().any(|c| c.contains("异地收件受理权")));
    let mut revoked = g;
    revoked.revoked = Some(Revocation {
        by: UserId(1),
        at: 0,
        reason: "整改".into(),
    });
    let it = find(&manual_of(&city(vec![revoked]), &hall));
    assert!(!it.rights[0].held && it.rights[0].text == "已撤销");
    let cannot = it
        .cannot
        .iter()
        .find(|c| c.contains("异地收件受理权"))
        .unwrap();
    assert!(
        cannot.contains("不能以") && cannot.contains("已撤销"),
        "{cannot}"
    );
    assert!(cannot.contains("可办理的大厅"), "{cannot}");
}

#[test]
fn the_hall_manual_has_contents_with_page_numbers_heads_and_folios() {
    let c = city(vec![]);
    let hall = hall_named(&c, "莆田市行政服务中心");
    let m = manual_of(&c, hall);
    let pages = hall_pages(&m, &approx_em, Lang::ZhCn);
    assert!(pages.len() > 50, "{} pages", pages.len());
    let total = pages.len();
    let first = texts(&pages[..1]);
    assert!(first.contains("目录") && first.contains("目录修订7"));
    for (i, p) in pages.iter().enumerate() {
        let t = texts(std::slice::from_ref(p));
        assert!(
            t.contains(&format!("第{}页共{total}页", i + 1)),
            "folio on {i}"
        );
        assert!(t.contains(&squash(&hall.name)), "head on {i}");
        assert!(!t.contains('\u{1}'), "a page reference left on {i}");
    }
    // A contents line's number is the page where that item's heading is.
    let item = &m.items[m.items.len() / 2];
    let heading = squash(&format!("{} {}", item.code, item.name));
    let at = (pages.iter().position(|p| {
        p.shapes.iter().any(|s| matches!(s, Shape::Text { text, bold: true, tone: crate::guide_map::Tone::Accent, .. } if squash(text) == heading))
    }))
    .unwrap();
    let toc: Vec<(String, String)> = pages
        .iter()
        .take(5)
        .flat_map(|p| {
            let lines: Vec<&Shape> = p.shapes.iter().collect();
            lines
                .windows(2)
                .filter_map(|w| match (w[0], w[1]) {
                    (Shape::Text { text: a, y: y1, .. }, Shape::Text { text: b, y: y2, .. })
                        if y1 == y2 =>
                    {
                        Some((squash(a), b.clone()))
                    }
                    _ => None,
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let line = toc.iter().find(|(a, _)| *a == heading).unwrap();
    assert_eq!(line.1, (at + 1).to_string());
    // And the reference from the department part points there too.
    let all = texts(&pages);
    assert!(all.contains(&format!("办理要点见第{}页", at + 1)));
    // Everything stays on the page.
    for p in &pages {
        for s in &p.shapes {
            if let Shape::Text {
                x, y, size, text, ..
            } = s
            {
                let w: f32 = text.chars().map(|ch| approx_em(ch) * size).sum();
                assert!(*x >= 0.0 && x + w <= PAGE_W, "{text}");
                assert!(*y > 0.0 && *y < PAGE_H, "{text}");
            }
        }
    }
}

use crate::guide_map::{PAGE_H, PAGE_W};
