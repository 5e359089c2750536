//! The service's own `/metrics` read back, for the metrics tests and the HTTP bench
//! (which takes the enrollment worker's phases from it around a load run): samples
//! as the service writes them, with no timestamps or exemplars, which this does not
//! read.

use std::collections::BTreeMap;

use super::{Harness, client};

/// Every sample of a scrape, by series (`name{labels}`).
pub async fn scrape(h: &Harness) -> BTreeMap<String, f64> {
    let r = client()
        .get(format!("{}/metrics", h.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let ct = r.headers()["content-type"].to_str().unwrap().to_string();
    assert!(ct.starts_with("application/openmetrics-text"), "{ct}");
    parse(&r.text().await.unwrap())
}

/// The samples of an OpenMetrics text, by series.
pub fn parse(text: &str) -> BTreeMap<String, f64> {
    assert!(text.ends_with("# EOF\n"), "{text}");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (series, value) = l.rsplit_once(' ').unwrap();
            (series.to_string(), value.parse().unwrap())
        })
        .collect()
}

/// A series' value, 0 when the scrape has none.
pub fn at(m: &BTreeMap<String, f64>, series: &str) -> f64 {
    m.get(series).copied().unwrap_or(0.0)
}
