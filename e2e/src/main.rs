//! The browser test of the web pages: headless Chromium driven over WebDriver (fantoccini) through the five
//! scenarios, with a screenshot of every page at desktop and phone width under `target/e2e/`.
//!
//! `scripts/e2e.sh` prepares everything and runs it (`cargo run -p pledgecheck-e2e`): a database with the samples and
//! the accounts, `pledgecheck serve` and chromedriver. The project's `cargo test` neither builds nor runs it (this
//! package is not a default member of the workspace); run without the script's environment it fails at once, naming
//! what is missing, and any scenario that goes wrong ends it with a failure and the page it stopped on.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use fantoccini::{Client, ClientBuilder, Locator};

/// What the script hands over.
struct Setup {
    /// `http://127.0.0.1:PORT` of `pledgecheck serve`.
    base: String,
    /// chromedriver's address.
    webdriver: String,
    /// The database the server serves, for the CLI's side of the comparisons.
    db: PathBuf,
    /// The pledgecheck binary.
    binary: PathBuf,
    /// Where the screenshots go.
    shots: PathBuf,
    /// The accounts' password.
    password: String,
}

type Failure = Box<dyn std::error::Error>;

/// A failed expectation, as an error (so that the browser is closed before the test fails).
fn fail(message: impl Into<String>) -> Failure {
    message.into().into()
}

fn env(name: &str) -> Result<String, Failure> {
    std::env::var(name).map_err(|_| fail(format!("{name} is not set: run this test through scripts/e2e.sh")))
}

fn main() -> ExitCode {
    let setup = match (|| -> Result<Setup, Failure> {
        Ok(Setup {
            base: env("E2E_BASE")?,
            webdriver: env("E2E_WEBDRIVER")?,
            db: env("E2E_DB")?.into(),
            binary: env("E2E_BINARY")?.into(),
            shots: env("E2E_SCREENSHOTS")?.into(),
            password: env("E2E_PASSWORD")?,
        })
    })() {
        Ok(setup) => setup,
        Err(e) => {
            eprintln!("e2e: {e}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    match runtime.block_on(run(&setup)) {
        Ok(()) => {
            println!("e2e: all five scenarios passed; screenshots in {}", setup.shots.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("e2e: FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Starts the browser, runs the scenarios, and closes the browser whatever happened.
async fn run(setup: &Setup) -> Result<(), Failure> {
    std::fs::create_dir_all(&setup.shots)?;
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({"args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                                    "--hide-scrollbars", "--lang=da-DK", "--window-size=1280,900"],
                            // The pages' users work in Danish: the browser asks for it, the pages follow.
                            "prefs": {"intl.accept_languages": "da-DK,da"}}),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let client = ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(&setup.webdriver)
        .await
        .map_err(|e| fail(format!("cannot start Chromium through {}: {e}", setup.webdriver)))?;
    let browser = Browser { client, setup };
    let result = scenarios(&browser).await;
    if result.is_err() {
        // The page the browser was on, for whoever reads the failure.
        if let Ok(source) = browser.client.source().await {
            let _ = std::fs::write(setup.shots.join("failure.html"), source);
        }
        let _ = browser.shot("failure").await;
    }
    let _ = browser.client.close().await;
    result
}

/// The browser and what it needs to know.
struct Browser<'a> {
    client: Client,
    setup: &'a Setup,
}

/// Desktop and phone widths of the screenshots.
const DESKTOP: (u32, u32) = (1280, 900);
const PHONE: (u32, u32) = (390, 844);

impl Browser<'_> {
    async fn goto(&self, path: &str) -> Result<(), Failure> {
        Ok(self.client.goto(&format!("{}{path}", self.setup.base)).await?)
    }

    /// A screenshot of the page at desktop and at phone width: `NAME-desktop.png`, `NAME-phone.png`.
    async fn shot(&self, name: &str) -> Result<(), Failure> {
        for (width, (w, h)) in [("desktop", DESKTOP), ("phone", PHONE)] {
            self.client.set_window_size(w, h).await?;
            let png = self.client.screenshot().await?;
            std::fs::write(self.setup.shots.join(format!("{name}-{width}.png")), png)?;
        }
        self.client.set_window_size(DESKTOP.0, DESKTOP.1).await?;
        Ok(())
    }

    /// A screenshot of one part of the page at phone width, where it lies below the fold (Chromium crops an
    /// element's screenshot to the window, so the desktop's would be cut).
    async fn shot_of(&self, name: &str, css: &str) -> Result<(), Failure> {
        self.client.set_window_size(PHONE.0, PHONE.1).await?;
        let part = self.client.find(Locator::Css(css)).await.map_err(|e| fail(format!("no {css}: {e}")))?;
        let png = part.screenshot().await?;
        std::fs::write(self.setup.shots.join(format!("{name}-phone.png")), png)?;
        self.client.set_window_size(DESKTOP.0, DESKTOP.1).await?;
        Ok(())
    }

    async fn fill(&self, id: &str, text: &str) -> Result<(), Failure> {
        let field = self.client.find(Locator::Id(id)).await.map_err(|e| fail(format!("no field #{id}: {e}")))?;
        field.clear().await?;
        field.send_keys(text).await?;
        Ok(())
    }

    async fn choose(&self, id: &str, value: &str) -> Result<(), Failure> {
        let field = self.client.find(Locator::Id(id)).await.map_err(|e| fail(format!("no choice #{id}: {e}")))?;
        Ok(field.select_by_value(value).await?)
    }

    /// Clicks a button that submits a form, and waits for the page that answers: until the page clicked on is
    /// gone (its root element stale) and the new one has its `main`.
    async fn click(&self, css: &str) -> Result<(), Failure> {
        let button = self.client.find(Locator::Css(css)).await.map_err(|e| fail(format!("no {css}: {e}")))?;
        let old = self.client.find(Locator::Css("html")).await?;
        button.click().await?;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        while old.tag_name().await.is_ok() {
            if std::time::Instant::now() > deadline {
                return Err(fail(format!("clicking {css} led to no new page")));
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        self.client.wait().for_element(Locator::Css("main")).await?;
        Ok(())
    }

    async fn text_of(&self, css: &str) -> Result<String, Failure> {
        let element = self.client.find(Locator::Css(css)).await.map_err(|e| fail(format!("no {css}: {e}")))?;
        Ok(element.text().await?)
    }

    async fn attr_of(&self, css: &str, attr: &str) -> Result<String, Failure> {
        let element = self.client.find(Locator::Css(css)).await.map_err(|e| fail(format!("no {css}: {e}")))?;
        element.attr(attr).await?.ok_or_else(|| fail(format!("{css} has no {attr}")))
    }

    async fn path(&self) -> Result<String, Failure> {
        Ok(self.client.current_url().await?.path().to_string())
    }

    async fn source(&self) -> Result<String, Failure> {
        Ok(self.client.source().await?)
    }

    async fn sign_in(&self, user: &str) -> Result<(), Failure> {
        self.goto("/login").await?;
        self.fill("user", user).await?;
        self.fill("password", &self.setup.password).await?;
        self.click("main form button[type=submit]").await?;
        let at = self.path().await?;
        if at != "/" {
            return Err(fail(format!("{user} signed in, but the browser is at {at}")));
        }
        Ok(())
    }

    async fn sign_out(&self) -> Result<(), Failure> {
        self.click("form[action='/logout'] button").await?;
        Ok(())
    }

    /// The session cookie the browser holds (HttpOnly: script cannot read it, WebDriver can).
    async fn session_cookie(&self) -> Result<String, Failure> {
        let cookie = self.client.get_named_cookie("pc_session").await?;
        // The cookie crate's SameSite is not re-exported by fantoccini; its Debug form names it.
        if cookie.http_only() != Some(true) || format!("{:?}", cookie.same_site()) != "Some(Strict)" {
            return Err(fail(format!("the session cookie is not HttpOnly and SameSite=Strict: {cookie:?}")));
        }
        Ok(cookie.value().to_string())
    }

    /// A request with the browser's session, outside the browser: its status and body.
    fn request(&self, method: &str, path: &str, cookie: &str, form: &str) -> Result<(u16, Vec<u8>), Failure> {
        let agent: ureq::Agent =
            ureq::Agent::config_builder().http_status_as_error(false).max_redirects(0).build().into();
        let url = format!("{}{path}", self.setup.base);
        let cookie = format!("pc_session={cookie}");
        let mut response = match method {
            "POST" => agent
                .post(&url)
                .header("Cookie", &cookie)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .send(form.as_bytes())?,
            _ => agent.get(&url).header("Cookie", &cookie).call()?,
        };
        let status = response.status().as_u16();
        Ok((status, response.body_mut().with_config().limit(1 << 30).read_to_vec()?))
    }
}

/// The quarter of today: a shortlist sent today lands in it.
fn this_quarter() -> String {
    use chrono::Datelike;
    let today = chrono::Utc::now().date_naive();
    format!("{}-Q{}", today.year(), (today.month() - 1) / 3 + 1)
}

async fn scenarios(b: &Browser<'_>) -> Result<(), Failure> {
    let today = chrono::Utc::now().date_naive().to_string();
    let opened = (chrono::Utc::now().date_naive() - chrono::Duration::days(30)).to_string();

    // 1. A recruiter of firm A logs a search and checks it before it goes out.
    b.goto("/").await?;
    if b.path().await? != "/login" {
        return Err(fail("a browser without a session was not sent to the sign-in page"));
    }
    b.shot("01-login").await?;
    b.sign_in("nina").await?;
    b.shot("02-dashboard-recruiter").await?;
    b.goto("/searches").await?;
    let listed_before = b.text_of("p.lead").await?;
    b.shot("03-searches").await?;
    b.goto("/searches/new").await?;
    b.shot("04-new-search").await?;
    b.fill("search_ref", "E2E-1").await?;
    b.fill("client", "Aarhus Kommune").await?;
    b.choose("client_sector", "municipality").await?;
    b.fill("position", "Direktør for Teknik og Miljø").await?;
    b.choose("level", "top").await?;
    b.fill("opened_on", &opened).await?;
    b.fill("c0_ref", "k1").await?;
    b.choose("c0_sector", "municipality").await?;
    b.click("button[value=add-row]").await?;
    b.fill("c1_ref", "k2").await?;
    b.choose("c1_sector", "municipality").await?;
    b.click(".actions button[value=check]").await?;
    let verdict = b.attr_of(".check-result [data-verdict]", "data-verdict").await?;
    if verdict != "non-compliant" {
        return Err(fail(format!("two municipal candidates for a municipality were checked as {verdict}")));
    }
    let advice = b.text_of(".check-result .remedy").await?;
    if advice.trim().is_empty() {
        return Err(fail("the check gave no advice"));
    }
    b.shot("05-check-non-compliant").await?;
    b.click("button[value=add-row]").await?;
    b.fill("c2_ref", "k3").await?;
    b.choose("c2_sector", "private").await?;
    b.click(".actions button[value=check]").await?;
    let verdict = b.attr_of(".check-result [data-verdict]", "data-verdict").await?;
    if verdict != "compliant" {
        return Err(fail(format!("with a private-sector candidate the search was checked as {verdict}")));
    }
    b.shot("06-check-compliant").await?;
    b.shot_of("06-candidate-rows", "main form fieldset.candidates").await?;
    b.fill("shortlist_on", &today).await?;
    b.click(".actions button[value=save]").await?;
    if b.path().await? != "/searches/nordsoeg/E2E-1" {
        return Err(fail(format!("saving did not lead to the search's page but to {}", b.path().await?)));
    }
    if b.attr_of("main [data-verdict]", "data-verdict").await? != "compliant" {
        return Err(fail("the saved search is not compliant"));
    }
    b.shot("07-search-page").await?;
    b.goto("/").await?;
    let dashboard = b.text_of("section.current").await?;
    if !dashboard.contains("E2E-1") {
        return Err(fail(format!("the dashboard does not show the search: {dashboard}")));
    }
    b.shot("08-dashboard-with-search").await?;
    b.goto("/searches").await?;
    let listed_after_save = b.text_of("p.lead").await?;
    if listed_after_save == listed_before {
        return Err(fail(format!("the list did not grow with the search: {listed_after_save}")));
    }

    // 2. An upload with an impossible date: file, line and column, and the list unchanged.
    let bad = std::env::temp_dir().join(format!("pledgecheck-e2e-{}-impossible.csv", std::process::id()));
    std::fs::write(
        &bad,
        "firm,search_ref,client,client_sector,position,level,opened_on\n\
         nordsoeg,E2E-2,Aarhus Kommune,municipality,Direktør,top,2026-02-30\n",
    )?;
    b.goto("/upload").await?;
    b.shot("09-upload").await?;
    b.client.find(Locator::Id("files")).await?.send_keys(&bad.display().to_string()).await?;
    b.click("main form button[type=submit]").await?;
    let file = b.text_of(".errors .error-file").await?;
    let line = b.text_of(".errors .error-line").await?;
    let column = b.text_of(".errors .error-column").await?;
    let bad_name = bad.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
    if file != bad_name || line != "2" || column != "opened_on" {
        return Err(fail(format!("the upload's error reads {file:?} line {line:?} column {column:?}")));
    }
    b.shot("10-upload-errors").await?;
    let _ = std::fs::remove_file(&bad);
    b.goto("/searches").await?;
    if b.text_of("p.lead").await? != listed_after_save {
        return Err(fail("a refused upload changed the list of searches"));
    }
    let own_cookie = b.session_cookie().await?;

    // 5a. A form posted without its token is refused.
    let (status, _) = b.request(
        "POST",
        "/searches/new",
        &own_cookie,
        "action=save&search_ref=E2E-3&client=Aarhus+Kommune&client_sector=municipality&position=X&level=top&opened_on=2026-01-05",
    )?;
    if status != 403 {
        return Err(fail(format!("a form without its token got {status}, not 403")));
    }
    b.sign_out().await?;

    // 3. A recruiter of firm B cannot open the search, and never sees it.
    b.sign_in("ole").await?;
    b.shot("11-dashboard-other-firm").await?;
    b.goto("/searches/nordsoeg/E2E-1").await?;
    let title = b.text_of("main h1").await?;
    b.shot("12-other-firms-search-404").await?;
    let other_cookie = b.session_cookie().await?;
    let (status, _) = b.request("GET", "/searches/nordsoeg/E2E-1", &other_cookie, "")?;
    if status != 404 {
        return Err(fail(format!("firm B's recruiter got {status} on firm A's search ({title})")));
    }
    for path in ["/", "/searches", "/searches?text=E2E", "/searches?firm=nordsoeg"] {
        b.goto(path).await?;
        if b.source().await?.contains("E2E-1") {
            return Err(fail(format!("firm B's recruiter sees firm A's search on {path}")));
        }
    }
    b.sign_out().await?;

    // 4. The auditor sees firm A's rate and downloads the quarter's pack, the CLI's pack.
    b.sign_in("aud").await?;
    b.shot("13-overview").await?;
    let shown = b.text_of("tr[data-firm=nordsoeg] td.rate").await?;
    let expected = cli_rate(b.setup, "nordsoeg")?;
    if shown != expected {
        return Err(fail(format!("the overview shows nordsoeg at {shown}, the CLI at {expected}")));
    }
    b.goto("/firms?sort=rate&dir=desc").await?;
    b.shot("14-overview-sorted").await?;
    b.goto("/firms/nordsoeg").await?;
    b.shot("15-firm").await?;
    let quarter = this_quarter();
    b.goto(&format!("/quarters/{quarter}")).await?;
    b.shot("16-quarter").await?;
    let href = b.attr_of("a[download]", "href").await?;
    let auditor_cookie = b.session_cookie().await?;
    let (status, zip) = b.request("GET", &href, &auditor_cookie, "")?;
    if status != 200 {
        return Err(fail(format!("the pack's download got {status}")));
    }
    compare_pack(b.setup, &quarter, &zip)?;
    for (path, name) in [("/clients", "17-clients"), ("/whatif", "18-whatif"), ("/evidence?verify=1", "19-evidence")] {
        b.goto(path).await?;
        b.shot(name).await?;
    }
    b.goto("/searches/nordsoeg/E2E-1").await?;
    b.shot("20-search-page-auditor").await?;

    // 5b. After logout the pages ask for a login again.
    b.sign_out().await?;
    for path in ["/", "/searches", "/firms", "/searches/nordsoeg/E2E-1"] {
        b.goto(path).await?;
        if b.path().await? != "/login" {
            return Err(fail(format!("after logout {path} did not ask for a login")));
        }
    }
    let (status, _) = b.request("GET", "/", &auditor_cookie, "")?;
    if status != 303 {
        return Err(fail(format!("the ended session's cookie still opened a page ({status})")));
    }
    b.shot("21-after-logout").await?;

    // The admin's accounts page, for its screenshot.
    b.sign_in("ada").await?;
    b.goto("/accounts").await?;
    b.shot("22-accounts").await?;
    b.sign_out().await?;
    Ok(())
}

/// A firm's compliance rate from `pledgecheck report firms`, as the overview writes it (`66.7%`).
fn cli_rate(setup: &Setup, firm: &str) -> Result<String, Failure> {
    let out = std::process::Command::new(&setup.binary)
        .arg("--db")
        .arg(&setup.db)
        .args(["report", "firms", "--format", "json"])
        .output()?;
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let row = report["rows"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["firm"] == firm))
        .ok_or_else(|| fail(format!("no firm {firm} in report firms")))?;
    Ok(match row["compliance_rate"].as_f64() {
        None => "–".to_string(),
        Some(rate) => {
            let tenths = ((rate * 10_000.0).round() as u64 + 5) / 10;
            format!("{}.{}%", tenths / 10, tenths % 10)
        }
    })
}

/// The downloaded pack's files are the files `pledgecheck quarterly QUARTER --output DIR` writes, the summary
/// first among them.
fn compare_pack(setup: &Setup, quarter: &str, zip: &[u8]) -> Result<(), Failure> {
    let dir = std::env::temp_dir().join(format!("pledgecheck-e2e-pack-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = std::process::Command::new(&setup.binary)
        .arg("--db")
        .arg(&setup.db)
        .args(["quarterly", quarter, "--output"])
        .arg(&dir)
        .output()?;
    if !out.status.success() {
        return Err(fail(format!("quarterly failed: {}", String::from_utf8_lossy(&out.stderr))));
    }
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip))?;
    let mut summary_seen = false;
    for i in 0..archive.len() {
        let mut file = archive.by_index(i)?;
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut file, &mut bytes)?;
        let name = file.name().to_string();
        let cli = std::fs::read(Path::new(&dir).join(&name))
            .map_err(|e| fail(format!("the CLI's pack has no {name}: {e}")))?;
        if cli != bytes {
            return Err(fail(format!("{name} of the downloaded pack differs from the CLI's")));
        }
        summary_seen |= name.ends_with("-summary.csv");
    }
    let _ = std::fs::remove_dir_all(&dir);
    if !summary_seen {
        return Err(fail("the pack has no summary"));
    }
    Ok(())
}
