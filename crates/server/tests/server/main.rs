//! The server's tests, one binary: the real router over the demo city, on
//! SQLite (or PostgreSQL when `TONGBAN_TEST_PG` is set).

mod common;

mod admin;
mod api;
mod appointments;
mod arrivals;
mod cases;
mod devices;
mod evaluations;
mod guide_map;
mod i18n;
mod kiosk;
mod list_batches;
mod manuals;
mod online;
mod outbox;
mod pages;
mod register;
mod security;
mod trust;
mod video;
mod visibility;
