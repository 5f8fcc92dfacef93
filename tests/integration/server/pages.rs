//! The web pages over HTTP, as a browser without script sees them: sign-in and sessions, the form tokens, firm
//! isolation, the pre-send check, uploads, and the auditor's pack.

use super::{OTHER, OTHER_FIRMS_DATA, OWN};
use crate::support::{csrf_of, csv_samples, Browser, Env, Server};

const PASSWORD: &str = "correct horse battery";

/// A database with the CSV samples, an auditor `aud`, and recruiters `nina` (nordsoeg) and `ole` (kbh-executive),
/// all with [`PASSWORD`].
fn people() -> Env {
    let env = Env::new();
    env.import(&csv_samples());
    env.user_with_password("aud", "auditor", None, PASSWORD);
    env.user_with_password("nina", "recruiter", Some(OWN), PASSWORD);
    env.user_with_password("ole", "recruiter", Some(OTHER), PASSWORD);
    env
}

/// The fields of a new search for a municipality, with candidate rows of (reference, sector).
fn new_search(token: &str, action: &str, search_ref: &str, candidates: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = [
        ("csrf", token),
        ("action", action),
        ("search_ref", search_ref),
        ("client", "Aarhus Kommune"),
        ("client_sector", "municipality"),
        ("position", "Direktør for Teknik og Miljø"),
        ("level", "top"),
        ("opened_on", "2026-01-05"),
    ]
    .iter()
    .map(|(n, v)| (n.to_string(), v.to_string()))
    .collect();
    fields.push(("rows".into(), candidates.len().to_string()));
    for (i, (r, sector)) in candidates.iter().enumerate() {
        fields.push((format!("c{i}_ref"), r.to_string()));
        fields.push((format!("c{i}_sector"), sector.to_string()));
        fields.push((format!("c{i}_stage"), "shortlist".into()));
    }
    fields
}

fn pairs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect()
}

#[test]
fn signing_in_makes_a_strict_http_only_session_that_logout_ends() {
    let env = people();
    let server = Server::start(&env, &[]);
    let mut browser = Browser::new(&server);
    let front = browser.get("/");
    assert_eq!((front.status, front.header("location")), (303, Some("/login")));
    let login = browser.get("/login");
    assert_eq!(login.status, 200);
    let csp = login.header("content-security-policy").unwrap_or_default().to_string();
    assert!(csp.contains("default-src 'none'") && !csp.contains("script-src"), "{csp}");
    assert!(login.text().contains(r#"<label for="user""#), "every field has its label");
    let wrong = browser.sign_in("nina", "wrong");
    assert_eq!(wrong.status, 401);
    assert!(wrong.text().contains("Forkert brugernavn eller adgangskode"), "Danish by default: {}", wrong.text());
    let signed = browser.sign_in("nina", PASSWORD);
    assert_eq!((signed.status, signed.header("location")), (303, Some("/")));
    let cookie = signed.headers.iter().find(|(n, v)| n == "set-cookie" && v.starts_with("pc_session=")).unwrap();
    assert!(cookie.1.contains("HttpOnly") && cookie.1.contains("SameSite=Strict"), "{}", cookie.1);
    assert!(!cookie.1.contains("Secure"), "Secure only with --secure-cookies");
    assert_eq!(env.count("SELECT count(*) FROM web_session WHERE ended_at IS NULL"), 1);
    let dashboard = browser.get("/");
    assert_eq!(dashboard.status, 200, "{}", dashboard.text());
    assert!(dashboard.text().contains("Nordsøg Executive Search"), "{}", dashboard.text());
    assert!(dashboard.text().contains("<svg"), "the rate chart");
    // The log line names the account (the server's standard error is read by a thread: give it a moment).
    let logged = |log: &str| log.lines().any(|l| l.contains("GET / 200") && l.contains("account=nina"));
    for _ in 0..50 {
        if logged(&server.log()) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(logged(&server.log()), "{}", server.log());
    let token = csrf_of(&dashboard.text());
    // English on request, kept for the account.
    let english = browser.post("/language", &[("csrf", &token), ("language", "en")]);
    assert_eq!(english.status, 303);
    assert!(browser.get("/").text().contains("Compliance rate per quarter"));
    let out = browser.post("/logout", &[("csrf", &token)]);
    assert_eq!((out.status, out.header("location")), (303, Some("/login")));
    assert_eq!(env.count("SELECT count(*) FROM web_session WHERE ended_at IS NULL"), 0);
    assert_eq!(browser.get("/searches").header("location"), Some("/login"));
    // A mistyped address is a page; under /api/ it stays the API's problem+json.
    let missing = browser.get("/no-such-page");
    assert_eq!((missing.status, missing.content_type.as_str()), (404, "text/html; charset=utf-8"));
    assert_eq!(browser.get("/api/v1/no-such-route").content_type, "application/problem+json");
}

#[test]
fn secure_cookies_are_marked_secure() {
    let env = people();
    let server = Server::start(&env, &["--secure-cookies"]);
    let mut browser = Browser::new(&server);
    let signed = browser.sign_in("aud", PASSWORD);
    assert!(signed
        .headers
        .iter()
        .any(|(n, v)| n == "set-cookie" && v.starts_with("pc_session=") && v.contains("; Secure")));
}

#[test]
fn a_post_without_its_form_token_is_refused() {
    let env = people();
    let server = Server::start(&env, &[]);
    let mut browser = Browser::new(&server);
    // The sign-in form's own token: no cookie, or a field that does not match it, is 403.
    let login = browser.post("/login", &[("user", "nina"), ("password", PASSWORD)]);
    assert_eq!(login.status, 403);
    browser.sign_in("nina", PASSWORD);
    let before = env.snapshot();
    let fields = new_search("", "save", "WEB-1", &[("c1", "private")]);
    for token in ["", "0123456789abcdef"] {
        let mut posted = pairs(&fields);
        posted[0].1 = token;
        if token.is_empty() {
            posted.remove(0);
        }
        assert_eq!(browser.post("/searches/new", &posted).status, 403);
        assert_eq!(browser.post("/logout", &posted[..1]).status, 403);
        let upload = browser.post_files("/upload", &[], "files", &[("s.csv", b"firm\n")]);
        assert_eq!(upload.status, 403);
    }
    assert_eq!(env.snapshot(), before, "a refused form changed the database");
    assert_eq!(browser.get("/").status, 200, "still signed in");
}

#[test]
fn failed_sign_ins_are_limited_as_the_apis_logins() {
    let env = people();
    let server = Server::start(&env, &["--rate-limit", "2"]);
    let mut browser = Browser::new(&server);
    assert_eq!(browser.sign_in("nina", "wrong").status, 401);
    assert_eq!(browser.sign_in("nina", "wrong").status, 401);
    assert_eq!(browser.sign_in("nina", PASSWORD).status, 429);
}

#[test]
fn another_firms_search_is_404_and_never_listed() {
    let env = people();
    let server = Server::start(&env, &[]);
    let mut browser = Browser::new(&server);
    browser.sign_in("nina", PASSWORD);
    let own = browser.get("/searches/nordsoeg/NS-2025-041");
    assert_eq!(own.status, 200, "{}", own.text());
    assert!(own.text().contains("data-verdict="), "{}", own.text());
    let other_ref = env.searches().into_iter().find(|s| s["firm"] == OTHER).unwrap()["search_ref"].clone();
    let other = browser.get(&format!("/searches/{OTHER}/{}", other_ref.as_str().unwrap()));
    assert_eq!(other.status, 404);
    assert_eq!(browser.get("/searches/nordsoeg/NO-SUCH").text(), other.text(), "the same 404 as a missing search");
    assert_eq!(browser.get(&format!("/searches/{OTHER}/{}/edit", other_ref.as_str().unwrap())).status, 404);
    assert_eq!(browser.get(&format!("/searches/{OTHER}/{}/history", other_ref.as_str().unwrap())).status, 404);
    for path in ["/", "/searches", &format!("/searches?firm={OTHER}"), "/searches?text=KE"] {
        let page = browser.get(path).text();
        for data in OTHER_FIRMS_DATA {
            assert!(!page.contains(data), "{path} shows {data}");
        }
    }
    // The auditors' pages are not a recruiter's.
    assert_eq!(browser.get("/firms").status, 403);
    assert_eq!(browser.get("/quarters/2025-Q4/pack").status, 403);
}

#[test]
fn check_before_sending_shows_the_verdict_and_advice_and_stores_nothing() {
    let env = people();
    let server = Server::start(&env, &[]);
    let mut browser = Browser::new(&server);
    browser.sign_in("nina", PASSWORD);
    let token = browser.token("/searches/new");
    let before = env.snapshot();
    let two_municipal = new_search(&token, "check", "WEB-1", &[("zq-1", "municipality"), ("zq-2", "municipality")]);
    let checked = browser.post("/searches/new", &pairs(&two_municipal));
    assert_eq!(checked.status, 200, "{}", checked.text());
    let text = checked.text();
    assert!(text.contains(r#"data-verdict="non-compliant""#), "{text}");
    assert!(text.contains(r#"class="remedy""#), "the advice: {text}");
    // In the account's Danish, reason and advice too (stored reasons stay English).
    assert!(text.contains("ingen kandidat på kortlisten fra en anden sektor end kommune"), "{text}");
    assert!(text.contains("tilføj en kandidat på kortlisten, hvis nuværende sektor er en af"), "{text}");
    // A row added without script: the form comes back with one more row and what was typed.
    let added =
        browser.post("/searches/new", &pairs(&new_search(&token, "add-row", "WEB-1", &[("zq-1", "municipality")])));
    assert!(added.text().contains(r#"name="c1_ref""#) && added.text().contains(r#"value="zq-1""#));
    let with_private = new_search(
        &token,
        "check",
        "WEB-1",
        &[("zq-1", "municipality"), ("zq-2", "municipality"), ("zq-3", "private")],
    );
    let checked = browser.post("/searches/new", &pairs(&with_private));
    assert!(checked.text().contains(r#"data-verdict="compliant""#), "{}", checked.text());
    assert_eq!(env.snapshot(), before, "a check stored something");
    let mut save = with_private.clone();
    save[1].1 = "save".into();
    save.push(("shortlist_on".into(), "2026-02-02".into()));
    let saved = browser.post("/searches/new", &pairs(&save));
    assert_eq!((saved.status, saved.header("location")), (303, Some("/searches/nordsoeg/WEB-1?saved=1")));
    assert_eq!(env.search(OWN, "WEB-1")["verdict"], "compliant");
    let dashboard = browser.get("/searches?text=WEB");
    assert!(dashboard.text().contains("WEB-1"));
    // A list gives each row's rule in brief; the search's own page its whole reason.
    assert!(
        dashboard.text().contains("kortlisten har kandidater nok fra en anden sektor end kundens"),
        "{}",
        dashboard.text()
    );
    let page = browser.get("/searches/nordsoeg/WEB-1").text();
    assert!(page.contains("nuværende sektor privat er en anden end kommune; tæller"), "{page}");
    assert_eq!(
        env.search(OWN, "WEB-1")["reason"],
        "shortlisted from outside municipality: zq-3 (current sector private)",
        "stored in English"
    );
    // The new-search form never replaces a stored search.
    let before_again = env.snapshot();
    let mut again = save.clone();
    again.iter_mut().find(|(n, _)| n == "position").unwrap().1 = "Another position".into();
    let refused = browser.post("/searches/new", &pairs(&again));
    assert_eq!(refused.status, 409, "{}", refused.text());
    assert!(refused.text().contains("/searches/nordsoeg/WEB-1/edit"), "{}", refused.text());
    assert_eq!(env.snapshot(), before_again);
    // A form with errors is refused with them, and nothing is saved.
    let mut bad = save.clone();
    bad.iter_mut().find(|(n, _)| n == "opened_on").unwrap().1 = "2026-02-31".into();
    bad.iter_mut().find(|(n, _)| n == "search_ref").unwrap().1 = "WEB-2".into();
    let refused = browser.post("/searches/new", &pairs(&bad));
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert!(refused.text().contains("opened_on"), "{}", refused.text());
    assert_eq!(env.searches().iter().filter(|s| s["search_ref"] == "WEB-2").count(), 0);
    // Candidate references travel in bodies only: never in a path, a query or the log.
    assert!(!server.log().contains("zq-"), "{}", server.log());
}

#[test]
fn an_upload_with_an_impossible_date_shows_file_line_and_column_and_saves_nothing() {
    let env = people();
    let server = Server::start(&env, &[]);
    let mut browser = Browser::new(&server);
    browser.sign_in("nina", PASSWORD);
    let token = browser.token("/upload");
    let before = env.snapshot();
    let bad = b"firm,search_ref,client,client_sector,position,level,opened_on\n\
                nordsoeg,NS-X,Aarhus Kommune,municipality,Direktor,top,2026-02-30\n";
    let reply = browser.post_files("/upload", &[("csrf", &token)], "files", &[("bad.csv", bad)]);
    assert_eq!(reply.status, 422, "{}", reply.text());
    let text = reply.text();
    assert!(text.contains("bad.csv") && text.contains(">2<") && text.contains("opened_on"), "{text}");
    assert_eq!(env.snapshot(), before);
    // The dry run of a good file shows what would change and saves nothing; without it, the file lands.
    let good = super::one_search(OWN, "UP-1");
    let dry = browser.post_files("/upload", &[("csrf", &token), ("dry_run", "1")], "files", &[("s.csv", &good)]);
    assert_eq!(dry.status, 200, "{}", dry.text());
    assert!(dry.text().contains("UP-1"), "{}", dry.text());
    assert_eq!(env.snapshot(), before);
    let done = browser.post_files("/upload", &[("csrf", &token)], "files", &[("s.csv", &good)]);
    assert_eq!(done.status, 200, "{}", done.text());
    assert_eq!(env.search(OWN, "UP-1")["verdict"], "compliant");
}

#[test]
fn the_auditor_sees_every_firm_and_downloads_the_apis_pack() {
    let env = people();
    env.user("ada", "admin", None);
    let api_token = env.token("aud", None);
    let server = Server::start(&env, &[]);
    let mut browser = Browser::new(&server);
    browser.sign_in("aud", PASSWORD);
    let overview = browser.get("/");
    assert_eq!(overview.status, 200, "{}", overview.text());
    for firm in [OWN, OTHER] {
        assert!(overview.text().contains(&format!(r#"data-firm="{firm}""#)), "{}", overview.text());
    }
    assert_eq!(browser.get("/firms?sort=rate&dir=desc").status, 200);
    assert_eq!(browser.get(&format!("/firms/{OWN}")).status, 200);
    assert_eq!(browser.get("/firms/no-such-firm").status, 404);
    let quarter = browser.get("/quarters/2025-Q4");
    assert_eq!(quarter.status, 200);
    assert!(quarter.text().contains("Nordsøg Executive Search"), "the quarter's firms: {}", quarter.text());
    assert_eq!(browser.get("/quarters/not-a-quarter").status, 404);
    let pack = browser.get("/quarters/2025-Q4/pack");
    assert_eq!((pack.status, pack.content_type.as_str()), (200, "application/zip"));
    let api = server.get("/api/v1/quarterly/2025-Q4", Some(&api_token));
    assert_eq!(pack.body, api.body, "the page's pack is the API's, byte for byte");
    for path in ["/clients", "/evidence", "/whatif", "/searches"] {
        assert_eq!(browser.get(path).status, 200, "{path}");
    }
    let evidence = browser.get("/evidence?verify=1").text();
    assert!(evidence.contains("v-compliant"), "the chain verifies: {evidence}");
    // An auditor writes nothing.
    assert_eq!(browser.get("/searches/new").status, 403);
}

#[test]
fn a_stored_search_is_edited_exempted_and_cancelled_through_its_pages() {
    let env = people();
    let server = Server::start(&env, &[]);
    let mut browser = Browser::new(&server);
    browser.sign_in("nina", PASSWORD);
    let edit = browser.get("/searches/nordsoeg/NS-2025-041/edit");
    assert_eq!(edit.status, 200, "{}", edit.text());
    let text = edit.text();
    // The stored candidates are in the form, each with its row.
    assert!(text.contains(r#"name="c3_ref""#) && text.contains(r#"value="c4""#), "{text}");
    let token = csrf_of(&text);
    // The form as the browser would post it back (the stored values), with a cancellation date added.
    let mut fields: Vec<(String, String)> = Vec::new();
    let case = env.explain(OWN, "NS-2025-041");
    for name in ["client", "client_sector", "position", "level", "opened_on", "shortlist_on"] {
        fields.push((name.into(), case["search"][name].as_str().unwrap().into()));
    }
    let candidates = case["candidates"].as_array().unwrap();
    fields.push(("rows".into(), candidates.len().to_string()));
    for (i, c) in candidates.iter().enumerate() {
        fields.push((format!("c{i}_ref"), c["candidate_ref"].as_str().unwrap().into()));
        fields.push((format!("c{i}_sector"), c["sector"].as_str().unwrap().into()));
        fields.push((format!("c{i}_experience"), c["experience"].as_str().unwrap().into()));
        fields.push((format!("c{i}_stage"), c["stage"].as_str().unwrap().into()));
        fields.push((format!("c{i}_added"), c["added_on"].as_str().unwrap_or_default().into()));
    }
    fields.push(("cancelled_on".into(), "2025-11-01".into()));
    fields.push(("csrf".into(), token.clone()));
    fields.push(("action".into(), "save".into()));
    let saved = browser.post("/searches/nordsoeg/NS-2025-041/edit", &pairs(&fields));
    assert_eq!(saved.status, 303, "{}", saved.text());
    let search = env.search(OWN, "NS-2025-041");
    assert_eq!(search["verdict"], case["verdict"], "a cancellation after the shortlist is judged as usual");
    assert_eq!(env.explain(OWN, "NS-2025-041")["search"]["cancelled_on"], "2025-11-01");
    assert_eq!(env.explain(OWN, "NS-2025-041")["candidates"].as_array().unwrap().len(), candidates.len());
    // An exemption recorded and removed from the search's page.
    let path = "/searches/nordsoeg/NS-2025-041/exemption";
    let set = browser.post(path, &[("csrf", &token), ("action", "set"), ("reason", "no-qualified-candidate")]);
    assert_eq!(set.status, 303, "{}", set.text());
    assert!(browser.get("/searches/nordsoeg/NS-2025-041").text().contains("no-qualified-candidate"));
    let removed = browser.post(path, &[("csrf", &token), ("action", "remove")]);
    assert_eq!(removed.status, 303, "{}", removed.text());
    assert!(env.explain(OWN, "NS-2025-041")["exemption"].is_null());
    let log = env.run(&["history", OWN, "NS-2025-041"]).ok().stdout;
    assert!(log.contains("nina"), "the changes name the account: {log}");
    let page = browser.get("/searches/nordsoeg/NS-2025-041/history");
    assert_eq!(page.status, 200, "{}", page.text());
    assert!(page.text().contains("nina") && page.text().contains("cancelled_on=2025-11-01"), "{}", page.text());
}

#[test]
fn the_whatif_page_compares_an_uploaded_policy_and_refuses_an_invalid_one() {
    let env = people();
    let server = Server::start(&env, &[]);
    let mut browser = Browser::new(&server);
    browser.sign_in("aud", PASSWORD);
    let token = browser.token("/whatif");
    let stricter = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/samples/stricter.toml")).unwrap();
    let compared = browser.post_files("/whatif", &[("csrf", &token)], "policy", &[("stricter.toml", &stricter)]);
    assert_eq!(compared.status, 200, "{}", compared.text());
    assert!(compared.text().contains("data-verdict="), "{}", compared.text());
    let invalid = browser.post_files("/whatif", &[("csrf", &token)], "policy", &[("bad.toml", b"[nope")]);
    assert_eq!(invalid.status, 422, "{}", invalid.text());
    assert_eq!(browser.post_files("/whatif", &[], "policy", &[("stricter.toml", &stricter)]).status, 403);
}

#[test]
fn an_admin_adds_and_disables_accounts_in_the_pages() {
    let env = people();
    env.user_with_password("ada", "admin", None, PASSWORD);
    let server = Server::start(&env, &[]);
    let mut admin = Browser::new(&server);
    admin.sign_in("ada", PASSWORD);
    let token = admin.token("/accounts");
    let added = admin.post("/accounts", &[("csrf", &token), ("name", "kim"), ("role", "recruiter"), ("firm", OWN)]);
    assert_eq!(added.status, 200, "{}", added.text());
    let text = added.text();
    let at =
        text.find(r#"<code class="password">"#).expect("the password, shown once") + r#"<code class="password">"#.len();
    let password = &text[at..at + text[at..].find('<').unwrap()];
    let mut kim = Browser::new(&server);
    assert_eq!(kim.sign_in("kim", password).status, 303);
    assert_eq!(kim.get("/").status, 200);
    // A recruiter without a firm, or a firm that does not exist, is refused with the CLI's words.
    let refused = admin.post("/accounts", &[("csrf", &token), ("name", "x"), ("role", "recruiter")]);
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert!(refused.text().contains("--firm"), "{}", refused.text());
    // Disabled: the account's session stops at once.
    let disabled = admin.post("/accounts/disable", &[("csrf", &token), ("name", "kim")]);
    assert_eq!(disabled.status, 303);
    assert_eq!(kim.get("/").header("location"), Some("/login"));
    assert_eq!(kim.sign_in("kim", password).status, 401);
    // Only admins.
    let mut nina = Browser::new(&server);
    nina.sign_in("nina", PASSWORD);
    assert_eq!(nina.get("/accounts").status, 403);
    assert_eq!(admin.post("/accounts", &[("name", "y"), ("role", "auditor")]).status, 403);
}

#[test]
fn a_new_password_ends_the_accounts_sessions_but_keeps_its_tokens() {
    let env = people();
    let token = env.token("nina", None);
    let server = Server::start(&env, &[]);
    let mut nina = Browser::new(&server);
    nina.sign_in("nina", PASSWORD);
    let mut ole = Browser::new(&server);
    ole.sign_in("ole", PASSWORD);
    assert_eq!(nina.get("/searches").status, 200);
    let out = env
        .command()
        .args(["user", "password", "nina", "--password-stdin"])
        .write_stdin("a brand new password 123\n")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // The old cookie no longer signs in; another account's session goes on.
    let page = nina.get("/searches");
    assert_eq!((page.status, page.header("location")), (303, Some("/login")), "{}", page.text());
    assert_eq!(ole.get("/searches").status, 200);
    // API tokens are separate credentials (revoked with `token revoke`): they keep working.
    assert_eq!(server.get("/api/v1/searches", Some(&token)).status, 200);
    // The new password signs in.
    assert_eq!(nina.sign_in("nina", "a brand new password 123").status, 303);
    assert_eq!(nina.get("/searches").status, 200);
}

#[test]
fn the_sign_in_form_takes_only_a_token_the_server_issued() {
    let env = people();
    let server = Server::start(&env, &[]);
    // A pair the client chose (the cookie and the field agree) is refused before the password is looked at.
    let mut browser = Browser::new(&server);
    browser.set_cookie("pc_login", "x");
    let reply = browser.post("/login", &[("csrf", "x"), ("user", "nina"), ("password", PASSWORD)]);
    assert_eq!(reply.status, 403, "{}", reply.text());
    // Nor one shaped like the server's with a made-up signature.
    let made_up = format!("{}.{}", "0".repeat(32), "1".repeat(64));
    browser.set_cookie("pc_login", &made_up);
    let reply = browser.post("/login", &[("csrf", &made_up), ("user", "nina"), ("password", PASSWORD)]);
    assert_eq!(reply.status, 403, "{}", reply.text());
    // The form's own token signs in.
    assert_eq!(browser.sign_in("nina", PASSWORD).status, 303);
}
