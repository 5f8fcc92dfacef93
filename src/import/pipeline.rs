//! Reading on a second thread: the files are read, decoded and validated there while the sink (the import
//! session, writing to SQLite) works on the calling thread, so the two costs overlap instead of adding up.
//!
//! The records reach the sink in the order [`super::stream`] would hand them, with the reader's errors in
//! between, so the errors of a call and their order are the same either way. Memory stays bounded: the reader
//! waits when [`DEPTH`] batches are in flight. Searches are lent to the sink and their batches go back to the
//! reader to be freed there: the system allocator frees memory made on another thread under a lock the other
//! thread keeps taking, which cost a tenth of a large import's time.

use std::sync::mpsc::{channel, sync_channel, Receiver, SyncSender};

use super::{Encoding, InputErrors, Open, Opened, Place, SearchRecord, Sink, Sources};
use crate::model::{Exemption, Firm};
use crate::registry::Entry;

/// Prepares what a sink takes with a search, from the search alone (which it may complete, as the registry
/// completes a client's sector); runs on the reading thread.
pub type Preparer<P> = Box<dyn Fn(&mut SearchRecord) -> P + Send + Sync>;

/// A sink that takes, with each search, something prepared from the search alone (no state of its own), such as
/// the rows to write and their hashes: [`stream_pipelined`] prepares it on the reading thread.
pub trait PrepareSearch: Sink {
    /// What is prepared.
    type Prepared: Send;
    /// The function that prepares it, run on the reading thread.
    fn preparer(&self) -> Preparer<Self::Prepared>;
    /// A search, or one run of rows of a CSV search, with what was prepared for it; as [`Sink::search`], but
    /// lent rather than given, so that the reading thread, which made them, frees them.
    fn prepared_search(
        &mut self,
        sources: &Sources,
        record: &SearchRecord,
        prepared: &Self::Prepared,
        candidate_lines: &[usize],
        errors: &mut InputErrors,
    ) -> Result<(), Self::Error>;
}

/// Records handed over at once: fewer, larger hand-overs cost less than one per record.
const BATCH: usize = 256;

/// Batches in flight at most (about `DEPTH * BATCH` records held between the threads).
const DEPTH: usize = 8;

/// One thing the reader read, in file order.
enum Item<D> {
    Firm(Place, Firm),
    Search(SearchRecord, D, Vec<usize>),
    Exemption(Place, Exemption),
    Client(Place, Entry),
    /// Errors the reader found since the previous record.
    Errors(InputErrors),
}

/// The sink of the reading thread: sends records over to the calling thread, searches with what was prepared.
struct Courier<'d, D> {
    to: SyncSender<Vec<Item<D>>>,
    /// Batches the sink is done with, to be freed on this thread.
    done: Receiver<Vec<Item<D>>>,
    batch: Vec<Item<D>>,
    prepare: &'d (dyn Fn(&mut SearchRecord) -> D + Send + Sync),
}

/// The calling thread stopped taking records (its sink failed): stop reading.
struct Stopped;

impl<D> Courier<'_, D> {
    fn add(&mut self, met: Item<D>, errors: &mut InputErrors) -> Result<(), Stopped> {
        if !errors.is_empty() {
            self.batch.push(Item::Errors(std::mem::take(errors)));
        }
        self.batch.push(met);
        if self.batch.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), Stopped> {
        if self.batch.is_empty() {
            return Ok(());
        }
        while let Ok(done) = self.done.try_recv() {
            drop(done);
        }
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
        self.to.send(batch).map_err(|_| Stopped)
    }
}

impl<D> Sink for Courier<'_, D> {
    type Error = Stopped;

    fn firm(&mut self, _: &Sources, place: Place, firm: Firm, errors: &mut InputErrors) -> Result<(), Stopped> {
        self.add(Item::Firm(place, firm), errors)
    }

    fn search(
        &mut self,
        _: &Sources,
        mut record: SearchRecord,
        candidate_lines: Vec<usize>,
        errors: &mut InputErrors,
    ) -> Result<(), Stopped> {
        let prepared = (self.prepare)(&mut record);
        self.add(Item::Search(record, prepared, candidate_lines), errors)
    }

    fn exemption(
        &mut self,
        _: &Sources,
        place: Place,
        exemption: Exemption,
        errors: &mut InputErrors,
    ) -> Result<(), Stopped> {
        self.add(Item::Exemption(place, exemption), errors)
    }

    fn client(&mut self, _: &Sources, place: Place, entry: Entry, errors: &mut InputErrors) -> Result<(), Stopped> {
        self.add(Item::Client(place, entry), errors)
    }
}

/// As [`super::stream`], with the files read on a second thread.
pub fn stream_pipelined<S: PrepareSearch>(
    inputs: &[impl Open + Sync],
    encoding: Encoding,
    sink: &mut S,
) -> Result<(Sources, InputErrors), S::Error> {
    stream_pipelined_with(inputs, encoding, None, sink)
}

/// As [`stream_pipelined`], with CSV files read through an import profile.
pub fn stream_pipelined_with<S: PrepareSearch>(
    inputs: &[impl Open + Sync],
    encoding: Encoding,
    profile: Option<&super::Profile>,
    sink: &mut S,
) -> Result<(Sources, InputErrors), S::Error> {
    let Opened { sources, errors: mut found, profile, encodings } = Opened::new(inputs, encoding, profile);
    // Names and headers are all the sink needs of the sources; the reader fills in each file's SHA-256.
    let named = sources.clone();
    let prepare = sink.preparer();
    std::thread::scope(|scope| {
        let (to, from) = sync_channel::<Vec<Item<S::Prepared>>>(DEPTH);
        let (give_back, done) = channel();
        let reader = scope.spawn(move || {
            let mut opened = Opened { sources, errors: InputErrors::default(), profile, encodings };
            let mut courier = Courier { to, done, batch: Vec::with_capacity(BATCH), prepare: prepare.as_ref() };
            // A stopped reader has nothing more to say: the sink's error is what the caller gets.
            if opened.feed(inputs, &mut courier).is_ok() {
                let _ = courier.flush();
            }
            (opened.sources, opened.errors)
        });
        let mut failed = None;
        'batches: for mut batch in &from {
            for met in &mut batch {
                let done = match met {
                    Item::Firm(place, firm) => sink.firm(&named, place.clone(), firm.clone(), &mut found),
                    Item::Search(record, prepared, lines) => {
                        sink.prepared_search(&named, record, prepared, lines, &mut found)
                    }
                    Item::Exemption(place, exemption) => {
                        sink.exemption(&named, place.clone(), exemption.clone(), &mut found)
                    }
                    Item::Client(place, entry) => sink.client(&named, place.clone(), entry.clone(), &mut found),
                    Item::Errors(errors) => {
                        found.extend(std::mem::take(errors));
                        Ok(())
                    }
                };
                if let Err(e) = done {
                    failed = Some(e);
                    break 'batches;
                }
            }
            // A reader that has finished frees nothing more: the batch is freed here then.
            let _ = give_back.send(batch);
        }
        // Dropping the receiver makes a reader still sending stop.
        drop(from);
        let (sources, rest) = match reader.join() {
            Ok(done) => done,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        if let Some(e) = failed {
            return Err(e);
        }
        found.extend(rest);
        Ok((sources, found))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::{stream, Input};

    /// Records what reaches a sink, in order, with the errors as they stood at each record.
    #[derive(Default)]
    struct Log(Vec<String>);

    impl Sink for Log {
        type Error = String;

        fn firm(&mut self, _: &Sources, place: Place, firm: Firm, errors: &mut InputErrors) -> Result<(), String> {
            self.0.push(format!("firm {} {place:?} after {} errors", firm.firm, errors.total()));
            Ok(())
        }

        fn search(
            &mut self,
            sources: &Sources,
            record: SearchRecord,
            lines: Vec<usize>,
            errors: &mut InputErrors,
        ) -> Result<(), String> {
            if record.search.search_ref == "bad" {
                errors.push(sources.error_at(&record.place, "search_ref", "refused by the sink".into()));
            }
            if record.search.search_ref == "stop" {
                return Err("the sink failed".into());
            }
            self.0.push(format!(
                "search {} {} candidates {lines:?} after {} errors",
                record.search.search_ref,
                record.candidates.len(),
                errors.total()
            ));
            Ok(())
        }

        fn exemption(
            &mut self,
            _: &Sources,
            place: Place,
            exemption: Exemption,
            errors: &mut InputErrors,
        ) -> Result<(), String> {
            self.0.push(format!("exemption {} {place:?} after {} errors", exemption.search_ref, errors.total()));
            Ok(())
        }

        fn client(&mut self, _: &Sources, place: Place, entry: Entry, _: &mut InputErrors) -> Result<(), String> {
            self.0.push(format!("client {} {place:?}", entry.id));
            Ok(())
        }
    }

    fn files(searches: usize) -> Vec<Input> {
        let mut shortlists = String::from(
            "firm,search_ref,client,client_sector,position,level,opened_on,candidate_ref,candidate_sector,experience\n",
        );
        for i in 0..searches {
            let search_ref = match i {
                7 => "bad".to_string(),
                _ => format!("s{i}"),
            };
            for c in 0..3 {
                // Every 50th search has a bad sector on one row: a reader's error between records.
                let sector = if i % 50 == 0 && c == 1 { "space" } else { "private" };
                shortlists.push_str(&format!("f,{search_ref},C,state,P,top,2026-01-01,c{c},{sector},private:5\n"));
            }
        }
        vec![
            Input { name: "e.csv".into(), bytes: b"firm,search_ref,reason\nf,s1,no-qualified-candidate\n".to_vec() },
            Input { name: "s.csv".into(), bytes: shortlists.into_bytes() },
            Input { name: "f.csv".into(), bytes: b"firm,pledged_on\nf,2021-01-01\n".to_vec() },
        ]
    }

    impl PrepareSearch for Log {
        type Prepared = String;

        fn preparer(&self) -> Preparer<String> {
            Box::new(|record: &mut SearchRecord| record.search.search_ref.to_uppercase())
        }

        fn prepared_search(
            &mut self,
            sources: &Sources,
            record: &SearchRecord,
            prepared: &String,
            lines: &[usize],
            errors: &mut InputErrors,
        ) -> Result<(), String> {
            assert_eq!(*prepared, record.search.search_ref.to_uppercase());
            self.search(sources, record.clone(), lines.to_vec(), errors)
        }
    }

    #[test]
    fn hands_the_same_records_and_errors_in_the_same_order_as_one_thread() {
        for searches in [0, 1, 300, 2000] {
            let inputs = files(searches);
            let mut one = Log::default();
            let (sources_one, errors_one) = stream(&inputs, Encoding::Utf8, &mut one).unwrap();
            let mut two = Log::default();
            let (sources_two, errors_two) = stream_pipelined(&inputs, Encoding::Utf8, &mut two).unwrap();
            assert_eq!(one.0, two.0, "{searches} searches");
            assert_eq!(errors_one, errors_two, "{searches} searches");
            let digests = |s: &Sources| s.0.iter().map(|s| s.sha256.clone()).collect::<Vec<_>>();
            assert_eq!(digests(&sources_one), digests(&sources_two));
            assert!(digests(&sources_two).iter().all(|d| d.len() == 64));
        }
        // The reader's errors (bad sectors) and the sink's (search "bad") are both there, beyond the 20 shown.
        let (_, errors) = stream_pipelined(&files(2000), Encoding::Utf8, &mut Log::default()).unwrap();
        assert_eq!(errors.total(), 41);
        assert!(errors.to_string().contains("refused by the sink"));
        assert!(errors.to_string().contains("s.csv: and 21 more"));
    }

    #[test]
    fn a_failing_sink_stops_the_reader() {
        let mut inputs = files(3000);
        let stop = "firm,search_ref,client,client_sector,position,level,opened_on\nf,stop,C,state,P,top,2026-01-01\n";
        inputs.insert(0, Input { name: "stop.csv".into(), bytes: stop.as_bytes().to_vec() });
        let mut log = Log::default();
        let failed = stream_pipelined(&inputs, Encoding::Utf8, &mut log);
        assert_eq!(failed.err().as_deref(), Some("the sink failed"));
        assert!(log.0.iter().all(|l| !l.starts_with("search")), "nothing after the failing search: {:?}", log.0);
    }
}
