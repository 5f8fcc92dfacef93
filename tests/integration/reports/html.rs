//! `pledgecheck report html`: one self-contained file (no network, no external assets), holding its charts, the
//! failing searches and the outcome funnel, with every text from the data escaped.

use crate::support::Env;

fn html(env: &Env) -> String {
    env.run(&["report", "html", "--output", "report.html"]).ok();
    std::fs::read_to_string(env.path("report.html")).unwrap()
}

#[test]
fn the_page_is_self_contained() {
    let env = Env::with_samples();
    let page = html(&env);
    assert!(page.starts_with("<!DOCTYPE html>"));
    for outside in ["http://", "https://", "src=", "<link", "<script", "@import", "url("] {
        assert!(!page.contains(outside), "the page holds {outside:?}");
    }
    assert!(page.contains("<style>") && page.contains("@media print") && page.contains("@media (max-width"));
    assert!(page.contains("name=\"viewport\""));
}

#[test]
fn the_page_holds_its_charts_and_tables() {
    let env = Env::with_samples();
    let page = html(&env);
    // One line chart (drawn wide and compact), a bar chart per firm with rated searches (4 of the 5), the funnel
    // and the baseline comparison.
    assert_eq!(page.matches("<svg").count(), 2 + 4 + 2, "svg charts");
    assert_eq!(page.matches("<svg").count(), page.matches("</svg>").count());
    assert!(page.contains("role=\"img\""));
    for firm in ["KBH Executive Partners ApS", "Nordsøg Executive Search A/S", "Limfjord Partners ApS"] {
        assert!(page.contains(firm), "{firm}");
    }
    // The failing searches with their reasons (EXPECTED.md: 7 non-compliant, 2 incomplete).
    assert!(page.contains("Failing searches (9)"));
    for search in ["NS-2026-003", "KE-25-131", "KE-26-036"] {
        assert!(page.contains(search), "{search}");
    }
    assert!(page.contains("no shortlisted candidate from outside state"));
    // The outcome funnel and the baseline.
    assert!(page.contains("Shortlisted: ") && page.contains("Hired: "));
    assert!(page.contains("about 1 in 14"));
}

#[test]
fn text_from_the_data_is_escaped() {
    let env = Env::new();
    let firms = env.write("firms.csv", "firm,name,pledged_on\nx,<script>alert(1)</script> & <b>,2021-01-01\n");
    let shortlists = env.write(
        "shortlists.csv",
        "firm,search_ref,client,client_sector,position,level,opened_on,shortlist_on,candidate_ref,candidate_sector\n\
         x,\"<img src=x onerror=alert(2)>\",\"Kommune \"\"<i>\"\"\",municipality,Chef,top,2026-01-05,2026-02-01,c1,municipality\n",
    );
    env.import(&[firms, shortlists]);
    let page = html(&env);
    assert!(!page.contains("<script>") && !page.contains("<img") && !page.contains("<b>") && !page.contains("<i>"));
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;"));
    assert!(page.contains("&lt;img src=x onerror=alert(2)&gt;"));
    assert!(page.contains("Kommune &quot;&lt;i&gt;&quot;"));
}

#[test]
fn the_same_database_gives_the_same_page() {
    let env = Env::with_samples();
    let first = html(&env);
    let second = html(&env);
    assert_eq!(first, second);
}

#[test]
fn an_empty_database_gives_a_page_without_charts() {
    let env = Env::new();
    let firms = env.write("firms.csv", "firm,name,pledged_on\n");
    env.import(&[firms]);
    let page = html(&env);
    assert!(page.contains("No searches yet."));
    assert!(page.contains("</html>"));
}

#[test]
fn html_takes_no_format_or_filter() {
    let env = Env::with_samples();
    for extra in [["--format", "csv"], ["--quarter", "2026-Q2"]] {
        let run = env.run(&[&["report", "html"][..], &extra[..]].concat());
        assert_eq!(run.code, Some(2), "{extra:?}");
    }
}
