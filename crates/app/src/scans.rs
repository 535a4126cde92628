//! Pages captured one by one — a window's document camera (高拍仪), a
//! phone's photos — bound into one PDF scan, in the order captured: each
//! page an image on an A4-wide page of its own proportions, without the
//! metadata the camera wrote.

use krilla::Document;
use krilla::geom::Size;
use krilla::image::Image;
use krilla::page::PageSettings;
use tongban_domain::FieldError;

/// The most pages bound into one scan.
pub const MAX_PAGES: usize = 50;

/// The width of a bound page: A4's, in points.
const PAGE_WIDTH: f32 = 595.28;

/// Binds the pages into one PDF, or names the page that is not an image.
pub fn bind_pages(pages: &[Vec<u8>]) -> Result<Vec<u8>, FieldError> {
    if pages.is_empty() {
        return Err(FieldError::new(
            "file",
            "required",
            "请先拍摄或上传材料页面",
        ));
    }
    if pages.len() > MAX_PAGES {
        return Err(FieldError::new(
            "file",
            "upload.pages",
            tongban_domain::text!("一份材料最多{max}页，请分份登记", max = MAX_PAGES),
        ));
    }
    let not_image = |i: usize| {
        FieldError::new(
            "file",
            "upload.page",
            tongban_domain::text!("第{page}页不是可读的 JPEG 或 PNG 图片", page = i + 1),
        )
    };
    let mut doc = Document::new();
    for (i, raw) in pages.iter().enumerate() {
        let clean = crate::blobs::strip_metadata(raw).into_owned();
        let image = match crate::blobs::sniff(&clean) {
            Some("image/jpeg") => Image::from_jpeg(clean.into(), true),
            Some("image/png") => Image::from_png(clean.into(), true),
            _ => return Err(not_image(i)),
        }
        .map_err(|_| not_image(i))?;
        let (w, h) = image.size();
        let height = PAGE_WIDTH * h.max(1) as f32 / w.max(1) as f32;
        let (Some(settings), Some(size)) = (
            PageSettings::from_wh(PAGE_WIDTH, height),
            Size::from_wh(PAGE_WIDTH, height),
        ) else {
            return Err(not_image(i));
        };
        let mut page = doc.start_page_with(settings);
        let mut surface = page.surface();
        surface.draw_image(image, size);
        surface.finish();
        page.finish();
    }
    doc.finish()
        .map_err(|_| FieldError::new("file", "upload.page", "有页面图片无法读取，请重新拍摄"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small grey PNG, `w` × `h`.
    fn png(w: u32, h: u32) -> Vec<u8> {
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut wr = enc.write_header().unwrap();
        wr.write_image_data(&vec![200u8; (w * h) as usize]).unwrap();
        wr.finish().unwrap();
        out
    }

    #[test]
    fn pages_become_one_pdf_with_a_page_each() {
        let pdf = bind_pages(&[png(20, 28), png(28, 20), png(10, 10)]).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        // Each page object says so (the page tree says `/Pages`).
        let text = String::from_utf8_lossy(&pdf);
        let pages = text.matches("/Type/Page/").count();
        assert_eq!(pages, 3, "three pages");
        assert!(text.contains("/Type/Pages/Count 3/"));
        // A page keeps its picture's proportions on an A4 width.
        assert!(
            text.contains("/MediaBox[0 0 595.28 425.2]"),
            "28 × 20 lies wide"
        );
    }

    #[test]
    fn a_page_that_is_no_image_is_named() {
        let e = bind_pages(&[png(4, 4), b"%PDF-1.7".to_vec()]).unwrap_err();
        assert_eq!((e.field.as_str(), e.code), ("file", "upload.page"));
        assert!(e.message.contains("第2页"), "{}", e.message);
        let e = bind_pages(&[
            png(4, 4),
            vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0],
        ])
        .unwrap_err();
        assert!(e.message.contains("第2页"), "{}", e.message);
        assert_eq!(bind_pages(&[]).unwrap_err().code, "required");
        assert_eq!(
            bind_pages(&vec![png(2, 2); MAX_PAGES + 1])
                .unwrap_err()
                .code,
            "upload.pages"
        );
    }
}
