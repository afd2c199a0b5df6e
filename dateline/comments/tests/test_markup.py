from dateline.comments.markup import clean_text, comparable, link_count, render


def test_render_keeps_the_markdown_subset():
    html = render("*yes* **no**\n\n> quoted\n\n- one\n- two\n\n1. first")
    assert "<em>yes</em>" in html and "<strong>no</strong>" in html
    assert "<blockquote>" in html and "<ul>" in html and "<ol>" in html


def test_links_get_nofollow_ugc_noopener():
    html = render("see [this](https://example.com/a) and https://example.org")
    assert html.count('rel="nofollow ugc noopener"') == 2
    assert link_count(html) == 2


def test_html_and_script_are_shown_as_text_never_run():
    html = render('<script>alert(1)</script><img src=x onerror="alert(2)"> <b>bold</b>')
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html


def test_dangerous_link_schemes_are_not_links():
    for url in ("javascript:alert(1)", "data:text/html,x", "vbscript:x", "JaVaScRiPt:alert(1)"):
        assert "<a" not in render(f"[click]({url})"), url


def test_headings_and_images_are_not_part_of_the_subset():
    html = render("# Big\n\n![alt](https://example.com/x.png)")
    assert "<h1" not in html and "<img" not in html


def test_clean_text_drops_control_and_bidi_characters_and_mark_floods():
    assert clean_text("a\x00b\x1bc\u202ed\r\ne ") == "abcd\ne"
    zalgo = "Z" + "\u0301\u0302\u0303\u0304\u0305\u0306\u0307\u0308" * 10
    assert len(clean_text(zalgo)) <= 4


def test_comparable_folds_case_and_width():
    assert comparable("ＳＰＡＭ Spam!") == "spam spam"
