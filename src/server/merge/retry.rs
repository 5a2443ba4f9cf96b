//! When to retry a Merge request and how long to wait, as Merge's own SDKs do: 408, 409, 429 and
//! 5xx and connection errors are retried with jittered exponential backoff, honouring
//! `Retry-After` (seconds or an HTTP date) and `retry-after-ms`; other 4xx never are.

use std::time::Duration;

use chrono::{DateTime, Utc};
use http::{HeaderMap, StatusCode};
use rand::Rng;

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(60),
        }
    }
}

pub fn is_retryable(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 409 | 429) || status.is_server_error()
}

impl RetryPolicy {
    /// The wait before retry number `attempt` (1-based): the server's `Retry-After` when it gave
    /// one (capped), otherwise exponential from `base_delay` with ±20 % jitter so that many
    /// clients that failed together do not retry together.
    pub fn delay(&self, attempt: u32, headers: Option<&HeaderMap>, now: DateTime<Utc>) -> Duration {
        if let Some(wait) = headers.and_then(|h| retry_after(h, now)) {
            return wait.min(self.max_delay);
        }
        let exp = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)));
        let capped = exp.min(self.max_delay);
        let jitter = rand::thread_rng().gen_range(0.8..=1.2);
        capped.mul_f64(jitter).min(self.max_delay)
    }
}

/// Reads `retry-after-ms`, then `Retry-After` as seconds or as an HTTP date.
pub fn retry_after(headers: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    if let Some(ms) = header(headers, "retry-after-ms").and_then(|v| v.parse::<f64>().ok())
        && ms >= 0.0
    {
        return Some(Duration::from_secs_f64(ms / 1000.0));
    }
    let value = header(headers, "retry-after")?;
    if let Ok(secs) = value.parse::<f64>() {
        return (secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    let at = DateTime::parse_from_rfc2822(value)
        .ok()?
        .with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name)?.to_str().ok().map(str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn retries_only_transient_statuses() {
        for s in [408, 409, 429, 500, 502, 503, 504] {
            assert!(is_retryable(StatusCode::from_u16(s).unwrap()), "{s}");
        }
        for s in [400, 401, 403, 404, 422] {
            assert!(!is_retryable(StatusCode::from_u16(s).unwrap()), "{s}");
        }
    }

    #[test]
    fn honours_retry_after_in_every_form() {
        let now = DateTime::parse_from_rfc3339("2026-11-28T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            retry_after(&headers(&[("retry-after", "3")]), now),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            retry_after(&headers(&[("retry-after-ms", "250")]), now),
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            retry_after(
                &headers(&[("retry-after", "Sat, 28 Nov 2026 12:00:07 GMT")]),
                now
            ),
            Some(Duration::from_secs(7))
        );
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")]), now), None);
        let policy = RetryPolicy::default();
        assert_eq!(
            policy.delay(1, Some(&headers(&[("retry-after", "3600")])), now),
            policy.max_delay
        );
    }

    #[test]
    fn backoff_grows_exponentially_with_bounded_jitter() {
        let policy = RetryPolicy {
            max_retries: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
        };
        let now = Utc::now();
        for _ in 0..200 {
            let first = policy.delay(1, None, now);
            assert!(first >= Duration::from_millis(80) && first <= Duration::from_millis(120));
            let third = policy.delay(3, None, now);
            assert!(third >= Duration::from_millis(320) && third <= Duration::from_millis(480));
            assert!(policy.delay(30, None, now) <= policy.max_delay);
        }
    }
}
