//! The demo's grants (授权信任), mirroring the city notice: every department
//! lets the city's and districts' service halls act for it; district and
//! county departments let the pilot towns and communities accept and issue
//! one-time notices, and their own district's pilot sites also verify
//! originals and hand over results; city-level departments grant the pilot
//! sites remote acceptance for their first-batch items only.
//!
//! Deliberate gaps, so denials can be seen: 莆田市公安局荔城分局 grants the
//! pilot towns one by one and leaves out 龙桥街道便民服务中心; one pilot grant
//! of 城厢区教育局 has expired; one of 城厢区民政局 was revoked; one of
//! 荔城区卫生健康局 ends soon.

use std::collections::HashMap;
use time::macros::date;
use tongban_domain::city::{Department, RegionLevel};
use tongban_domain::grant::{Grantee, Right};
use tongban_domain::{DepartmentId, HallId, ItemCode, RegionCode, UserId};
use tongban_store::NewGrant;

/// The city's region code.
const CITY: &str = "350300";

/// The grants to record: (grant, revocation reason if it is to be revoked).
pub fn demo_grants(
    departments: &[Department],
    halls: &HashMap<String, HallId>,
    first_batch: &HashMap<DepartmentId, Vec<ItemCode>>,
    admin: UserId,
    at: i64,
) -> Vec<(NewGrant, Option<&'static str>)> {
    let g = |grantor: DepartmentId,
             grantee: Grantee,
             items: Option<Vec<ItemCode>>,
             rights: &[Right],
             reason: &str| NewGrant {
        grantor,
        grantee,
        items,
        rights: rights.to_vec(),
        valid_from: date!(2026 - 01 - 01),
        valid_to: date!(2027 - 12 - 31),
        granted_by: admin,
        granted_at: at,
        reason: reason.into(),
    };
    let level = |level, region: &str| Grantee::Level {
        level,
        region: RegionCode(region.into()),
    };
    let hall = |key: &str| halls.get(key).copied().map(Grantee::Hall);
    let by_key = |key: &str| departments.iter().find(|d| d.key == key).map(|d| d.id);
    let mut out = Vec::new();
    let window = [
        Right::RemoteAcceptance,
        Right::OneTimeNotice,
        Right::OriginalVerification,
        Right::ResultDelivery,
    ];
    for d in departments {
        // The city and district service halls all keep 全域通办 windows.
        for lv in [RegionLevel::City, RegionLevel::County] {
            out.push((
                g(
                    d.id,
                    level(lv, CITY),
                    None,
                    &window,
                    "全域通办：市、县（区）行政服务中心互设通办专窗，异地收件受理",
                ),
                None,
            ));
        }
        let district_level = d.region.as_str() != CITY;
        if district_level {
            let pilot = [Right::RemoteAcceptance, Right::OneTimeNotice];
            if d.key == "licheng-police" {
                // Granted hall by hall; 龙桥 is left out on purpose.
                for key in [
                    "fenghuangshan",
                    "xialin",
                    "changtai",
                    "huating",
                    "lingchuan",
                    "donghai",
                ] {
                    if let Some(h) = hall(key) {
                        out.push((
                            g(
                                d.id,
                                h,
                                None,
                                &pilot,
                                "试点镇街：异地收件受理（龙桥街道待业务培训后再授权）",
                            ),
                            None,
                        ));
                    }
                }
            } else {
                out.push((
                    g(
                        d.id,
                        level(RegionLevel::Town, CITY),
                        None,
                        &pilot,
                        "试点镇（街道）便民服务中心：异地收件受理、一次性告知",
                    ),
                    None,
                ));
            }
            out.push((
                g(
                    d.id,
                    level(RegionLevel::Community, CITY),
                    None,
                    &pilot,
                    "试点“党建+”邻里中心：异地收件受理、一次性告知",
                ),
                None,
            ));
            // Their own district's pilot sites also verify originals and hand over results.
            for lv in [RegionLevel::Town, RegionLevel::Community] {
                out.push((
                    g(
                        d.id,
                        level(lv, d.region.as_str()),
                        None,
                        &[Right::OriginalVerification, Right::ResultDelivery],
                        "本辖区试点站点：原件核验、审批结果送达",
                    ),
                    None,
                ));
            }
        } else if let Some(items) = first_batch.get(&d.id).filter(|l| !l.is_empty()) {
            for lv in [RegionLevel::Town, RegionLevel::Community] {
                out.push((
                    g(
                        d.id,
                        level(lv, CITY),
                        Some(items.clone()),
                        &[Right::RemoteAcceptance],
                        "第一批全域通办事项：试点镇街、社区异地收件受理",
                    ),
                    None,
                ));
            }
        }
    }
    if let (Some(d), Some(h)) = (by_key("chengxiang-education"), hall("longqiao")) {
        let mut e = g(
            d,
            h,
            None,
            &[Right::ResultDelivery],
            "试点期间在龙桥街道窗口送达学籍证明",
        );
        e.valid_to = date!(2026 - 06 - 30);
        out.push((e, None));
    }
    if let (Some(d), Some(h)) = (by_key("chengxiang-civil_affairs"), hall("zhenhai")) {
        out.push((
            g(
                d,
                h,
                None,
                &[Right::OriginalVerification],
                "跨区原件核验试点",
            ),
            Some("试点结束，改由城厢区窗口核验"),
        ));
    }
    if let (Some(d), Some(h)) = (by_key("licheng-health"), hall("longqiao")) {
        let mut e = g(
            d,
            h,
            None,
            &[Right::OriginalVerification],
            "跨区原件核验试点（至年底）",
        );
        e.valid_to = date!(2026 - 12 - 15);
        out.push((e, None));
    }
    out
}
