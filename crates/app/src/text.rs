//! Line breaking of zh-CN and English text for drawn documents (the PDFs, the guide
//! map): greedy, measured by the caller's font, with 避头尾 — closing
//! punctuation never begins a line, opening punctuation never ends one.

/// Characters that must not begin a line (避头).
pub const NO_LINE_START: &[char] = &[
    '，', '。', '、', '；', '：', '？', '！', '）', '》', '」', '』', '”', '’', '】', '〕', '〉',
    '〗', '］', '｝', '…', '·', '％', ',', '.', ';', ':', '?', '!', ')', ']', '}', '%',
];

/// Characters that must not end a line (避尾).
pub const NO_LINE_END: &[char] = &[
    '（', '《', '「', '『', '“', '‘', '【', '〔', '〈', '〖', '［', '｛', '(', '[', '{',
];

/// Part of a Latin word or URL: kept together when the word fits on a line
/// (anything but a space and the wide scripts and their punctuation, which
/// may break between any two characters).
fn is_latin(c: char) -> bool {
    !c.is_whitespace() && !is_wide(c)
}

/// A character of the wide (CJK) scripts or their punctuation and forms.
fn is_wide(c: char) -> bool {
    matches!(c,
        '\u{1100}'..='\u{11ff}'
        | '\u{2e80}'..='\u{a4cf}'
        | '\u{ac00}'..='\u{d7af}'
        | '\u{f900}'..='\u{faff}'
        | '\u{fe30}'..='\u{fe4f}'
        | '\u{ff00}'..='\u{ffef}'
        | '\u{20000}'..='\u{3ffff}'
    ) || matches!(c, '“' | '”' | '‘' | '…' | '·' | '—')
}

/// Whether a new line may begin at `cs[k]`, by the punctuation rules.
fn punctuation_allows(cs: &[char], k: usize) -> bool {
    !NO_LINE_START.contains(&cs[k]) && !NO_LINE_END.contains(&cs[k - 1])
}

/// Wraps `text` to lines at most `max_width_pt` wide (`measure` gives a character's
/// advance in points), breaking between any two CJK characters but keeping Latin
/// words whole when they fit, and never starting a line with closing punctuation
/// nor ending one with opening punctuation (避头尾). `\n` forces a break.
pub fn wrap(text: &str, max_width_pt: f32, measure: impl Fn(char) -> f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let cs: Vec<char> = paragraph
            .chars()
            .filter(|&c| c != '\r')
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        if cs.is_empty() {
            lines.push(String::new());
            continue;
        }
        let mut start = 0;
        while start < cs.len() {
            // The greedy end: as many characters as fit (at least one).
            let mut width = 0.0;
            let mut end = start;
            while end < cs.len() {
                let w = measure(cs[end]);
                if end > start && width + w > max_width_pt {
                    break;
                }
                width += w;
                end += 1;
            }
            // Where the next line begins: the last place up to `end` that keeps
            // Latin words whole and obeys the punctuation rules; failing that, one
            // that obeys the punctuation rules (a word longer than the line); failing
            // that (a line too narrow for e.g. `（一）`), the first such place after
            // `end`, letting the punctuation hang past the margin.
            let k = if end == cs.len() {
                end
            } else {
                (start + 1..=end)
                    .rev()
                    .find(|&k| {
                        punctuation_allows(&cs, k) && !(is_latin(cs[k - 1]) && is_latin(cs[k]))
                    })
                    .or_else(|| {
                        (start + 1..=end)
                            .rev()
                            .find(|&k| punctuation_allows(&cs, k))
                    })
                    .or_else(|| (end + 1..cs.len()).find(|&k| punctuation_allows(&cs, k)))
                    .unwrap_or(cs.len())
            };
            let line: String = cs[start..k].iter().collect();
            lines.push(line.trim_end_matches(' ').to_owned());
            start = k;
            while start < cs.len() && cs[start] == ' ' {
                start += 1;
            }
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One point per character, so widths count characters.
    fn unit(_: char) -> f32 {
        1.0
    }

    #[test]
    fn wrap_moves_a_char_down_rather_than_start_a_line_with_closing_punctuation() {
        assert_eq!(
            wrap("一二三四五，六七", 5.0, unit),
            ["一二三四", "五，六七"]
        );
        assert_eq!(wrap("一二三四五。", 5.0, unit), ["一二三四", "五。"]);
        assert_eq!(
            wrap("一二三四五六）七", 6.0, unit),
            ["一二三四五", "六）七"]
        );
        // Two closing marks in a row: both go down with the character before them.
        assert_eq!(
            wrap("一二三。」四五", 4.0, unit),
            ["一二", "三。」四", "五"]
        );
    }

    #[test]
    fn wrap_never_ends_a_line_with_opening_punctuation() {
        assert_eq!(
            wrap("一二三四（五六）", 5.0, unit),
            ["一二三四", "（五六）"]
        );
        assert_eq!(wrap("一二三四《五》", 5.0, unit), ["一二三四", "《五》"]);
        assert_eq!(wrap("一二三“四”", 4.0, unit), ["一二三", "“四”"]);
        assert_eq!(
            wrap("一二三四五（六）七", 6.0, unit),
            ["一二三四五", "（六）七"]
        );
    }

    #[test]
    fn wrap_hangs_punctuation_when_the_line_is_too_narrow_to_move_it() {
        assert_eq!(wrap("（一）（二）", 2.0, unit), ["（一）", "（二）"]);
        assert_eq!(wrap("一。。。", 1.0, unit), ["一。。。"]);
    }

    #[test]
    fn wrap_rules_hold_at_every_width() {
        let text = "根据《中华人民共和国行政许可法》第三十二条的规定，现将需要补正的全部内容一次性告知如下：\
                    （一）“身份证明”；（二）『授权委托书』、「营业执照」！还有吗？没有了。";
        for width in 4..30 {
            let lines = wrap(text, width as f32, unit);
            assert_eq!(lines.concat(), text, "width {width}");
            for l in &lines {
                let first = l.chars().next().unwrap();
                let last = l.chars().last().unwrap();
                assert!(
                    !NO_LINE_START.contains(&first),
                    "width {width}: {l:?} starts with {first}"
                );
                assert!(
                    !NO_LINE_END.contains(&last),
                    "width {width}: {l:?} ends with {last}"
                );
                assert!(l.chars().count() <= width, "width {width}: {l:?} too long");
            }
        }
    }

    #[test]
    fn wrap_keeps_words_and_breaks_long_urls_anywhere() {
        assert_eq!(wrap("abc defgh ij", 6.0, unit), ["abc", "defgh", "ij"]);
        assert_eq!(
            wrap("查询网址https://a.bc/defghij", 10.0, unit),
            ["查询网址", "https://a.", "bc/defghij"]
        );
        assert_eq!(
            wrap("abcdefghijklmnop", 5.0, unit),
            ["abcde", "fghij", "klmno", "p"]
        );
        // A full stop does not start a line even inside a URL.
        assert_eq!(wrap("ab.cdefgh", 2.0, unit), ["a", "b.", "cd", "ef", "gh"]);
    }

    #[test]
    fn english_wraps_at_spaces_and_never_splits_a_word_that_fits() {
        let text = "The applicant's materials are incomplete; please supplement \
                    all of them at once (Administrative License Law, Article 32).";
        // The longest word, "(Administrative", has 15 characters.
        for width in 15..40 {
            let lines = wrap(text, width as f32, unit);
            assert_eq!(lines.join(" "), text, "width {width}");
            for l in &lines {
                assert!(l.chars().count() <= width, "width {width}: {l:?} too long");
            }
        }
        assert_eq!(
            wrap("an applicant\u{2019}s deadline", 13.0, unit),
            ["an", "applicant\u{2019}s", "deadline"]
        );
        // Only a word longer than the line is split.
        assert_eq!(
            wrap("a (Administrative", 8.0, unit),
            ["a", "(Adminis", "trative"]
        );
    }

    #[test]
    fn wrap_honours_newlines_and_measures() {
        assert_eq!(
            wrap("第一行\n\n第二行", 10.0, unit),
            ["第一行", "", "第二行"]
        );
        // Latin half as wide as CJK.
        let half = |c: char| if c.is_ascii() { 0.5 } else { 1.0 };
        assert_eq!(
            wrap("共15个工作日内办结", 3.5, half),
            ["共15个", "工作日", "内办结"]
        );
        assert_eq!(wrap("共15个", 1.8, half), ["共", "15", "个"]);
        assert_eq!(wrap("", 10.0, unit), [""]);
    }
}
