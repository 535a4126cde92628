//! Counter devices: the window's ID-card reader (身份证读卡器) and document
//! camera (高拍仪). Vendors ship them with a local device service that the
//! window's browser talks to over HTTP (`docs/devices.md` is the protocol
//! the pages speak; a vendor's service is fronted by an adapter that speaks
//! it). The pages find the service at `Settings::device_service`.
//!
//! This module is the simulated device service of the demo and the tests,
//! served under `/devices/sim` when `Settings::device_simulator` is on: a
//! reader holding one of a few sample cards (valid numbers of the demo
//! city's places, each with a drawn photo), and a camera whose every shot
//! is a drawn page, numbered.

use crate::AppState;
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

/// Where the simulator is served.
pub const SIM_BASE: &str = "/devices/sim";

/// The reader's and the camera's serials.
const READER: &str = "SIM-IDR-0001";
const CAMERA: &str = "SIM-CAM-0001";

/// A sample resident ID card, as the chip holds it.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Card {
    /// 姓名.
    pub name: &'static str,
    /// 性别.
    pub sex: &'static str,
    /// 民族.
    pub nation: &'static str,
    /// 出生 (YYYY-MM-DD).
    pub birth: &'static str,
    /// 住址.
    pub address: &'static str,
    /// 公民身份号码.
    pub id_number: &'static str,
    /// 签发机关.
    pub authority: &'static str,
    /// 有效期限.
    pub valid: &'static str,
}

/// The cards the simulated reader can hold.
pub const CARDS: [Card; 4] = [
    Card {
        name: "郑国强",
        sex: "男",
        nation: "汉",
        birth: "1992-08-16",
        address: "福建省莆田市城厢区龙桥街道学园南路66号",
        id_number: "350302199208160012",
        authority: "莆田市公安局城厢分局",
        valid: "2018.09.01-2038.09.01",
    },
    Card {
        name: "林秀英",
        sex: "女",
        nation: "汉",
        birth: "1951-03-12",
        address: "福建省莆田市荔城区镇海街道梅园东路12号",
        id_number: "350304195103120027",
        authority: "莆田市公安局荔城分局",
        valid: "2016.05.20-长期",
    },
    Card {
        name: "陈丽华",
        sex: "女",
        nation: "汉",
        birth: "1978-02-03",
        address: "福建省莆田市涵江区涵东街道涵华西路8号",
        id_number: "35030319780203004X",
        authority: "莆田市公安局涵江分局",
        valid: "2020.11.03-2040.11.03",
    },
    Card {
        name: "蔡文彬",
        sex: "男",
        nation: "汉",
        birth: "1985-07-15",
        address: "福建省莆田市仙游县鲤城街道八二五大街168号",
        id_number: "350322198507150034",
        authority: "仙游县公安局",
        valid: "2019.07.01-2039.07.01",
    },
];

/// The simulator's state: which card lies on the reader, how many shots
/// the camera took.
#[derive(Debug)]
pub struct Simulator {
    card: Mutex<Option<usize>>,
    shots: AtomicU32,
}

impl Default for Simulator {
    fn default() -> Self {
        Self {
            card: Mutex::new(Some(0)),
            shots: AtomicU32::new(0),
        }
    }
}

/// The simulated device service's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(&format!("{SIM_BASE}/status"), get(status))
        .route(&format!("{SIM_BASE}/idcard/read"), post(read_card))
        .route(&format!("{SIM_BASE}/idcard/place"), post(place_card))
        .route(&format!("{SIM_BASE}/camera/capture"), post(capture))
}

/// A device's refusal, as the protocol says it (the message in the page's
/// language).
fn refusal(status: StatusCode, code: &str, message: &'static str) -> Response {
    (
        status,
        Json(serde_json::json!({"code": code, "message": crate::lang::t(message)})),
    )
        .into_response()
}

async fn status(State(s): State<AppState>) -> Response {
    let card = s.devices.card.lock().map(|c| c.is_some()).unwrap_or(false);
    Json(serde_json::json!({
        "vendor": "tongban-simulator",
        "reader": {"device": READER, "ready": true, "card": card},
        "camera": {"device": CAMERA, "ready": true},
    }))
    .into_response()
}

/// What the reader read.
#[derive(Debug, Serialize)]
struct CardRead {
    device: &'static str,
    #[serde(flatten)]
    card: Card,
    /// The chip's photo, a `data:` URL.
    photo: String,
}

async fn read_card(State(s): State<AppState>) -> Response {
    let on_reader = s.devices.card.lock().ok().and_then(|c| *c);
    match on_reader {
        Some(i) => Json(CardRead {
            device: READER,
            card: CARDS[i],
            photo: data_url(&portrait(i)),
        })
        .into_response(),
        None => refusal(
            StatusCode::NOT_FOUND,
            "no_card",
            "未检测到身份证，请将证件放在读卡区",
        ),
    }
}

/// Which card to lay on the reader (`card`: an index of [`CARDS`], or
/// absent to take it away).
#[derive(Debug, Deserialize)]
struct Place {
    card: Option<usize>,
}

async fn place_card(State(s): State<AppState>, Json(p): Json<Place>) -> Response {
    if p.card.is_some_and(|i| i >= CARDS.len()) {
        return refusal(
            StatusCode::UNPROCESSABLE_ENTITY,
            "no_such_card",
            "没有这张样例证件",
        );
    }
    if let Ok(mut c) = s.devices.card.lock() {
        *c = p.card;
    }
    status(State(s)).await
}

async fn capture(State(s): State<AppState>) -> Response {
    let n = s.devices.shots.fetch_add(1, Ordering::Relaxed) + 1;
    let (w, h, png) = page_image(n);
    Json(serde_json::json!({
        "device": CAMERA, "width": w, "height": h, "image": data_url(&png),
    }))
    .into_response()
}

fn data_url(png: &[u8]) -> String {
    format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png)
    )
}

/// Encodes pixels as PNG (`channels`: 1 grey, 3 RGB).
fn encode(w: u32, h: u32, channels: u8, pixels: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(if channels == 1 {
        png::ColorType::Grayscale
    } else {
        png::ColorType::Rgb
    });
    enc.set_depth(png::BitDepth::Eight);
    if let Ok(mut wr) = enc.write_header() {
        let _ = wr.write_image_data(pixels);
        let _ = wr.finish();
    }
    out
}

/// A card photo (102 × 126, as printed on the card): a head and shoulders
/// on a pale blue ground, the hair's shade telling the cards apart.
fn portrait(card: usize) -> Vec<u8> {
    let (w, h) = (102u32, 126u32);
    let hair = [[40u8, 30, 25], [150, 150, 150], [70, 45, 30], [20, 20, 20]][card % 4];
    let mut px = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h as i32 {
        for x in 0..w as i32 {
            let (dx, dy) = (x - 51, y - 52);
            let head = dx * dx * 100 / (22 * 22) + dy * dy * 100 / (28 * 28) <= 100;
            let shoulders = y > 88
                && (dx * dx) * 100 / (48 * 48) + ((y - 126) * (y - 126)) * 100 / (40 * 40) <= 100;
            let c = if head && dy < -12 {
                hair
            } else if head {
                [236, 200, 170]
            } else if shoulders {
                [45, 60, 90]
            } else {
                [219, 233, 247]
            };
            px.extend_from_slice(&c);
        }
    }
    encode(w, h, 3, &px)
}

/// A captured page (620 × 877, A4's proportions): a heading, lines of
/// text as grey bars whose lengths vary with the page, a seal, and the
/// page's number as that many marks at its foot.
fn page_image(n: u32) -> (u32, u32, Vec<u8>) {
    let (w, h) = (620u32, 877u32);
    let mut px = vec![250u8; (w * h) as usize];
    let mut fill = |x0: u32, y0: u32, x1: u32, y1: u32, v: u8| {
        for y in y0..y1.min(h) {
            for x in x0..x1.min(w) {
                px[(y * w + x) as usize] = v;
            }
        }
    };
    fill(180, 60, 440, 84, 60);
    for line in 0..28u32 {
        let y = 130 + line * 24;
        let len = 380 + (n * 37 + line * 53) % 140;
        let indent = if line % 7 == 0 { 90 } else { 60 };
        fill(indent, y, indent + len, y + 9, 140);
    }
    for i in 0..n.min(20) {
        let x = 300 - n.min(20) * 6 + i * 12;
        fill(x, 830, x + 8, 838, 40);
    }
    for y in 700..780u32 {
        for x in 420..500u32 {
            let (dx, dy) = (x as i32 - 460, y as i32 - 740);
            let r2 = dx * dx + dy * dy;
            if (1225..=1600).contains(&r2) {
                px[(y * w + x) as usize] = 110;
            }
        }
    }
    (w, h, encode(w, h, 1, &px))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_cards_carry_valid_numbers_that_say_their_birth_and_sex() {
        for c in CARDS {
            let id = tongban_domain::validate::validate_id_number(
                "id",
                c.id_number,
                time::macros::date!(2026 - 12 - 05),
                tongban_domain::validate::is_province_code,
            )
            .unwrap_or_else(|e| panic!("{}: {e:?}", c.name));
            assert_eq!(id.birth_date().to_string(), c.birth, "{}", c.name);
            assert_eq!(id.sex_label(), c.sex, "{}", c.name);
        }
    }

    #[test]
    fn photos_and_pages_are_png_and_pages_differ() {
        assert!(portrait(1).starts_with(b"\x89PNG"));
        let (_, _, one) = page_image(1);
        let (_, _, two) = page_image(2);
        assert!(one.starts_with(b"\x89PNG") && one != two);
    }
}
