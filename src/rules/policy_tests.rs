//! Running a policy's own `[[test]]` cases: each small search judged and explained under the policy, its
//! verdict (and rule and version, where the test names them) held against what the test expects.

use super::{explain, Case, Explanation};
use crate::policy::{Policy, PolicyTest};

/// The result of one policy test.
#[derive(Debug, Clone)]
pub struct TestOutcome {
    /// The test.
    pub case: PolicyTest,
    /// What the policy gave, with everything that led to it.
    pub explanation: Explanation,
    /// Whether the verdict, the rule and the version are as expected.
    pub passed: bool,
}

/// Runs a policy's own tests.
pub fn run_policy_tests(policy: &Policy) -> Vec<TestOutcome> {
    policy
        .tests
        .iter()
        .map(|case| {
            let explanation = explain(
                policy,
                &Case {
                    firm: &case.firm,
                    search: &case.search,
                    candidates: &case.candidates,
                    exemption: case.exemption.as_ref(),
                },
            );
            let j = &explanation.judgement;
            let passed = j.verdict == case.expect
                && case.rule.as_deref().is_none_or(|r| r == j.rule)
                && case.version.as_ref().is_none_or(|v| j.policy_version.as_deref() == Some(v.as_str()));
            TestOutcome { case: case.clone(), explanation, passed }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Verdict;

    #[test]
    fn the_shipped_policy_passes_its_tests_and_covers_every_verdict() {
        let policy = Policy::default_policy();
        let outcomes = run_policy_tests(&policy);
        assert!(outcomes.len() >= 10);
        for o in &outcomes {
            assert!(o.passed, "{}: got {:?}", o.case.name, o.explanation.judgement);
        }
        for verdict in Verdict::ALL {
            assert!(policy.tests.iter().any(|t| t.expect == verdict), "no test expects {verdict}");
        }
    }

    #[test]
    fn a_wrong_expectation_fails() {
        let text = format!(
            "{}\n[[test]]\nname = \"wrong\"\nversion = \"v1\"\nsearch = {{ client_sector = \"state\", shortlist_on = 2021-02-01 }}\n\
             candidates = [{{ candidate_ref = \"c1\", candidate_sector = \"private\" }}]\nexpect = \"non-compliant\"\n",
            crate::policy::DEFAULT_POLICY_TEXT
        );
        let policy = Policy::parse(&text).unwrap();
        let wrong = run_policy_tests(&policy).into_iter().find(|o| o.case.name == "wrong").unwrap();
        assert!(!wrong.passed);
        assert_eq!(wrong.explanation.judgement.verdict, Verdict::Compliant);
    }
}
