//! Every word of the web pages in Danish and English, in one place. Each text is a [`K`] key with both languages
//! side by side, so that a key without its Danish (or English) text does not compile.

pub use crate::model::Lang;

impl Lang {
    /// A text of the pages.
    pub fn t(self, key: K) -> &'static str {
        key.text(self)
    }
}

macro_rules! texts {
    ($($key:ident => $da:literal, $en:literal;)*) => {
        /// The texts of the pages, by key.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[allow(missing_docs)]
        pub enum K { $($key),* }

        impl K {
            fn text(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $((K::$key, Lang::Da) => $da, (K::$key, Lang::En) => $en,)*
                }
            }
        }
    };
}

texts! {
    AppName => "Mobilitetsløftet", "Mobility pledge";
    SkipToContent => "Gå til indhold", "Skip to content";
    SignIn => "Log ind", "Sign in";
    SignOut => "Log ud", "Sign out";
    SignInLead => "Log ind med den konto, din administrator har oprettet til dig.", "Sign in with the account your administrator made for you.";
    UserName => "Brugernavn", "User name";
    Password => "Adgangskode", "Password";
    WrongLogin => "Forkert brugernavn eller adgangskode.", "Wrong user name or password.";
    TooManyAttempts => "For mange mislykkede forsøg i det sidste minut. Prøv igen senere.", "Too many failed attempts in the last minute. Try again later.";
    SignedInAs => "Logget ind som", "Signed in as";
    Change => "Skift", "Change";
    Dashboard => "Overblik", "Dashboard";
    Searches => "Søgninger", "Searches";
    NewSearch => "Ny søgning", "New search";
    Upload => "Upload filer", "Upload files";
    Overview => "Alle firmaer", "All firms";
    Clients => "Kunder", "Clients";
    WhatIf => "Hvad nu hvis", "What if";
    Evidence => "Bevis", "Evidence";
    RatePerQuarter => "Andel der overholder løftet, pr. kvartal", "Compliance rate per quarter";
    RateKey => "Søjler: kvartalets andel. Stiplet linje: de seneste fire kvartaler.", "Bars: the quarter's rate. Dashed line: the last four quarters.";
    Quarter => "Kvartal", "Quarter";
    Rate => "Andel", "Rate";
    Rolling => "Fire kvartaler", "Four quarters";
    ChangeInRate => "Ændring", "Change";
    Rated => "Bedømt", "Rated";
    Compliant => "Overholdt", "Compliant";
    PendingSearches => "Søgninger der afventer kortliste", "Searches waiting for their shortlist";
    FailingSearches => "Søgninger der ikke overholder løftet", "Searches failing the pledge";
    NoneHere => "Ingen.", "None.";
    AllOf => "Se alle", "See all";
    Firm => "Firma", "Firm";
    SearchRef => "Søgningens reference", "Search reference";
    Client => "Kunde", "Client";
    ClientSector => "Kundens sektor", "Client sector";
    Position => "Stilling", "Position";
    Level => "Niveau", "Level";
    OpenedOn => "Modtaget", "Opened on";
    ShortlistOn => "Kortliste sendt", "Shortlist sent on";
    CancelledOn => "Annulleret", "Cancelled on";
    Verdict => "Vurdering", "Verdict";
    Reason => "Begrundelse", "Reason";
    AnyQuarter => "Alle kvartaler", "Any quarter";
    AnyVerdict => "Alle vurderinger", "Any verdict";
    TextFilter => "Tekst (reference, kunde, stilling)", "Text (reference, client, position)";
    Filter => "Filtrér", "Filter";
    Previous => "Forrige", "Previous";
    Next => "Næste", "Next";
    PageOf => "Side", "Page";
    SearchesFound => "søgninger", "searches";
    Candidates => "Kandidater", "Candidates";
    Candidate => "Kandidat", "Candidate";
    CandidateRef => "Kandidatens reference", "Candidate reference";
    Sector => "Sektor", "Sector";
    Experience => "Erfaring (fx privat:4;stat:2)", "Experience (e.g. private:4;state:2)";
    Stage => "Stadie", "Stage";
    AddedOn => "Tilføjet", "Added on";
    Counts => "Tæller", "Counts";
    Yes => "ja", "yes";
    No => "nej", "no";
    WhatWouldPass => "Hvad ville få den til at overholde løftet", "What would make it pass";
    History => "Historik", "History";
    When => "Hvornår", "When";
    Who => "Hvem", "Who";
    What => "Hvad", "What";
    Scope => "Omfattet af løftet", "In scope of the pledge";
    Exemption => "Undtagelse", "Exemption";
    ExemptionReason => "Undtagelsens grund", "Exemption reason";
    ExemptionNote => "Note", "Note";
    SaveExemption => "Gem undtagelse", "Save exemption";
    RemoveExemption => "Fjern undtagelse", "Remove exemption";
    Edit => "Ret søgningen", "Edit the search";
    AddRow => "Tilføj kandidat", "Add candidate";
    RemoveRow => "Fjern", "Remove";
    CheckBeforeSending => "Tjek før afsendelse", "Check before sending";
    Save => "Gem", "Save";
    CheckResult => "Resultat af tjekket (intet er gemt)", "Result of the check (nothing was saved)";
    ProjectedAsIfSent => "Vurderet som om kortlisten blev sendt", "Judged as if the shortlist were sent on";
    NothingSaved => "Intet er gemt.", "Nothing was saved.";
    Errors => "Fejl", "Errors";
    File => "Fil", "File";
    Line => "Linje", "Line";
    Column => "Kolonne", "Column";
    Message => "Besked", "Message";
    Files => "Filer (CSV eller JSON)", "Files (CSV or JSON)";
    DryRun => "Prøvekørsel: vis hvad der ville ændre sig, gem intet", "Dry run: show what would change, save nothing";
    Import => "Indlæs", "Import";
    Summary => "Resumé", "Summary";
    WouldChange => "Det ville ændre sig", "What would change";
    Searching => "Søgningen", "The search";
    SearchSaved => "Søgningen er gemt.", "The search was saved.";
    NotFoundTitle => "Ikke fundet", "Not found";
    NotFoundText => "Siden findes ikke, eller du har ikke adgang til den.", "The page does not exist, or it is not yours to see.";
    ForbiddenTitle => "Afvist", "Refused";
    ForbiddenCsrf => "Formularen manglede sin sikkerhedsnøgle eller havde en forældet. Gå tilbage, genindlæs siden og prøv igen.", "The form lacked its security token or had an old one. Go back, reload the page and try again.";
    ForbiddenRole => "Din rolle må ikke dette.", "Your role may not do this.";
    ErrorTitle => "Noget gik galt", "Something went wrong";
    BackHome => "Til forsiden", "To the front page";
    QuarterPack => "Kvartalspakke", "Quarterly pack";
    DownloadPack => "Hent kvartalets pakke (zip)", "Download the quarter's pack (zip)";
    PerFirm => "Pr. firma", "Per firm";
    PolicyFile => "Politik (TOML-fil)", "Policy (TOML file)";
    Compare => "Sammenlign", "Compare";
    WouldChangeVerdict => "Søgninger der ville få en anden vurdering", "Searches whose verdict would change";
    RatesBeforeAfter => "Andele før og efter", "Rates before and after";
    ChainHead => "Kædens hoved", "Chain head";
    Verification => "Verifikation", "Verification";
    Intact => "intakt", "intact";
    NotIntact => "IKKE intakt", "NOT intact";
    Entries => "Poster", "Entries";
    VerifyNow => "Verificér kæden nu", "Verify the chain now";
    LastImports => "Seneste ændringer", "Latest changes";
    AdminNote => "Konti administreres under Konti (administratorer) eller med pledgecheck user; API-nøgler og firmaer med kommandolinjen (pledgecheck token, import af en firmafil); se README.", "Accounts are managed under Accounts (admins) or with pledgecheck user; API tokens and firms with the command line (pledgecheck token, importing a firms file); see the README.";
    UploadLead => "Alle filer indlæses samlet: er der en fejl, gemmes intet.", "All files are imported together: if there is an error, nothing is saved.";
    NewSearchLead => "Udfyld søgningen og dens kandidater. Tjek før afsendelse viser vurderingen uden at gemme.", "Fill in the search and its candidates. Check before sending shows the verdict without saving.";
    NoCandidates => "Ingen kandidater endnu.", "No candidates yet.";
    CandidatePart => "Kandidatens del", "The candidate's part";
    Firms => "Firmaer", "Firms";
    Total => "I alt", "Total";
    SearchExists => "Firmaet har allerede en søgning med den reference; intet er gemt.", "The firm already has a search with this reference; nothing was saved.";
    Accounts => "Konti", "Accounts";
    AccountsLead => "Nye konti får en adgangskode, der vises én gang. API-nøgler og firmaer administreres med kommandolinjen.", "New accounts get a password shown once. API tokens and firms are managed with the command line.";
    Role => "Rolle", "Role";
    Disabled => "Deaktiveret", "Disabled";
    Disable => "Deaktivér", "Disable";
    NewAccount => "Opret konto", "Add account";
    FirmOfRecruiter => "Firma (kun rekrutterere)", "Firm (recruiters only)";
    AccountAdded => "Kontoen er oprettet:", "The account was added:";
    PasswordOnce => "Adgangskoden vises kun nu; giv den videre på en sikker måde:", "The password is shown only now; pass it on safely:";
    DateHint => "åååå-mm-dd", "yyyy-mm-dd";
    ThisQuarter => "Søgninger i dette kvartal", "Searches this quarter";
}
