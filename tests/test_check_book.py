"""scripts/check_book.py's page checks: alt texts that say what a figure shows, no claim-check code shown."""

import check_book


def test_alt_texts_must_say_what_the_figure_shows():
    good = '<img alt="sunglasses kept in three seeds" src="../_images/a.png" />'
    path = '<img alt="../_images/b.png" src="../_images/b.png" />'
    none = '<img src="../_images/c.png" />'
    logo = '<img src="../_static/logo.png" />'  # not an executed figure
    assert check_book.page_problems(good + logo) == []
    for bad in (path, none):
        assert "alt text" in check_book.page_problems(good + bad)[0]


def test_claim_checks_must_not_be_shown():
    code = '<span class="n">book</span><span class="o">.</span><span class="n">check</span><span class="p">(</span>'
    assert "book.check" in check_book.page_problems(code)[0]
    assert check_book.page_problems("<p>the book checks every claim</p>") == []
