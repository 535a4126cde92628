use super::*;
use std::collections::HashSet;
use tongban_domain::city::{DepartmentKind, RegionLevel};
use tongban_domain::tongban::Mode;

#[test]
fn demo_data_is_complete_and_consistent() {
    let d = Demo::load().unwrap();
    assert!(d.items.len() >= 80, "{} items", d.items.len());
    let kinds: HashSet<DepartmentKind> =
        d.items.iter().map(|i| i.content.department_kind).collect();
    assert!(kinds.len() >= 10, "{} kinds", kinds.len());
    let codes: HashSet<&str> = d.items.iter().map(|i| i.content.code.as_str()).collect();
    assert_eq!(codes.len(), d.items.len(), "item codes are unique");
    for i in &d.items {
        if let Err(e) = i.content.validate() {
            panic!("{} {}: {e}", i.content.code, i.content.name);
        }
        assert!(!i.aliases.is_empty(), "{} has no alias", i.content.code);
    }
    // Regions: parents exist, the pilot sites are there.
    let regions: HashSet<&str> = d.regions.iter().map(|r| r.code.as_str()).collect();
    for r in &d.regions {
        if let Some(p) = &r.parent {
            assert!(regions.contains(p.as_str()), "{} parent {p}", r.code);
        }
    }
    for code in [
        "350302",
        "350303",
        "350304",
        "350305",
        "350322",
        "350302001",
        "350302103",
        "350304001",
        "350304002",
    ] {
        assert!(regions.contains(code), "{code}");
    }
    // Every hall has exactly one 专窗.
    for h in &d.halls {
        assert_eq!(
            h.windows.iter().filter(|w| w.tongban).count(),
            1,
            "{}",
            h.name
        );
        assert!(regions.contains(h.region.as_str()));
    }
    // The 通办 list: known items, modes allowed, every mode used.
    let by_code: HashMap<&str, &DemoItem> = d
        .items
        .iter()
        .map(|i| (i.content.code.as_str(), i))
        .collect();
    let mut modes = HashSet::new();
    for e in &d.entries {
        let i = by_code
            .get(e.item.as_str())
            .unwrap_or_else(|| panic!("listed {} unknown", e.item));
        e.check(i.content.department_kind, i.content.online_stars)
            .unwrap();
        assert!(d.batches.iter().any(|b| b.no == e.batch));
        modes.extend(e.modes.iter().copied());
    }
    for &m in Mode::ALL {
        assert!(modes.contains(&m), "no listed item allows {m:?}");
    }
    // Accounts point at existing halls and departments.
    for a in ACCOUNTS {
        if let Some(k) = a.scope_key {
            assert!(
                d.halls.iter().any(|h| h.key == k) || d.departments.iter().any(|x| x.key == k),
                "{k}"
            );
        }
    }
}

#[test]
fn every_answer_path_of_every_demo_item_reaches_a_situation() {
    let d = Demo::load().unwrap();
    let mut paths = 0;
    for i in &d.items {
        let c = &i.content;
        for p in c.guide.paths() {
            let r = c
                .guide
                .evaluate(&p, &c.materials)
                .unwrap_or_else(|e| panic!("{} path {p:?}: {e:?}", c.code));
            assert!(!r.materials.is_empty());
            paths += 1;
        }
    }
    assert!(paths > d.items.len(), "{paths} paths");
}

#[test]
fn synthetic_items_are_valid_and_unique() {
    let items = synthetic::items(3100);
    assert_eq!(items.len(), 3100);
    let names: HashSet<&str> = items.iter().map(|i| i.content.name.as_str()).collect();
    assert_eq!(names.len(), 3100);
    let guided = items
        .iter()
        .filter(|i| !i.content.guide.questions.is_empty())
        .count();
    assert!((1700..1900).contains(&guided), "{guided}");
    for i in &items {
        i.content.validate().unwrap();
        assert!(matches!(
            i.content.level,
            RegionLevel::City | RegionLevel::County
        ));
    }
}
