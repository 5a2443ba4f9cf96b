//! A deterministic synthetic workforce, computed record by record from (seed, index), so a
//! million employees cost no memory: any page is generated on demand and is identical every time.
//!
//! Shape: a management tree with fan-out 8 under one CEO; the CEO's direct reports head the eight
//! departments, their reports head the teams. Twelve offices in eight countries. Start dates
//! spread over eight years with recent joiners, pending hires, leavers and deletions; Unicode,
//! right-to-left and markup-laden names; every sensitive field populated.
//!
//! The workforce changes in numbered generations (hires, title changes, leavers, deletions), each
//! with its own timestamp, so incremental syncs have something to find.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use unicode_normalization::UnicodeNormalization;
use uuid::Uuid;

pub const FANOUT: u64 = 8;

const FIRST: &[&str] = &[
    "Olivia",
    "Liam",
    "Amelia",
    "Noah",
    "José",
    "Zoë",
    "Łukasz",
    "李雷",
    "Priya",
    "Siobhán",
    "Søren",
    "Björn",
    "Ana-María",
    "Mohammed",
    "Chloé",
    "Mateo",
    "Aisha",
    "Kenji",
    "Ingrid",
    "Oluwaseun",
    "Steven",
    "Stephen",
    "Fatima",
    "Hannah",
    "Dmitri",
    "Élodie",
    "Rafael",
    "Yuki",
    "Grace",
    "Tomás",
    "Nia",
    "Lars",
    "Emma",
    "Arjun",
    "Sofia",
    "Jakub",
    "Leila",
    "Ethan",
    "Maya",
    "Kwame",
];
const LAST: &[&str] = &[
    "Smith",
    "Müller",
    "O'Brien",
    "Nguyễn",
    "王",
    "García",
    "Kowalski",
    "Patel",
    "Johansson",
    "Dubois",
    "Rossi",
    "Okafor",
    "Tanaka",
    "Fernández",
    "Schmidt",
    "Khan",
    "Jensen",
    "Silva",
    "Murphy",
    "Novák",
    "Brown",
    "Lefèvre",
    "Ivanova",
    "Haddad",
    "Andersson",
    "Costa",
    "Wiśniewski",
    "Clarke",
    "Yamamoto",
    "Mensah",
    "Becker",
    "Moreau",
    "Walsh",
    "Horvat",
    "Lindqvist",
    "Çelik",
    "Santos",
    "Kim",
    "Evans",
    "Ahmed",
];
/// Untrusted text the product must render inertly everywhere.
const HOSTILE_FIRST: &[&str] = &[
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    "مريم",
    "=HYPERLINK(\"http://evil.example\",\"Click\")",
];
/// Text carrying NUL, a bell, a terminal escape and a tab, as HR systems fed by imports and
/// copy-paste do: a sync must store it cleaned rather than fail (Postgres refuses NUL in text).
const CONTROL_FIRST: &str = "Ma\u{0}rie\u{7}";
const CONTROL_LAST: &str = "Lo\u{1b}[31mpez";
const CONTROL_TITLE: &str = "Night\u{0} nurse\tlead";
const DEPARTMENTS: &[&str] = &[
    "Sales",
    "Engineering",
    "Marketing",
    "Finance",
    "People",
    "Operations",
    "Customer Success",
    "R&D <Labs>",
];
const TEAM_SUFFIXES: &[&str] = &[
    "EMEA",
    "Americas",
    "APAC",
    "Platform",
    "Growth",
    "Core",
    "Enablement",
    "Partnerships",
];
const TITLES: &[&str] = &[
    "Account Executive",
    "Software Engineer",
    "Senior Software Engineer",
    "Product Marketing Manager",
    "Financial Analyst",
    "People Partner",
    "Operations Manager",
    "Customer Success Manager",
    "Research Scientist",
    "Designer",
    "Data Analyst",
    "Team Lead",
];

pub struct Office {
    pub name: &'static str,
    pub city: &'static str,
    pub state: &'static str,
    pub country: &'static str,
}

pub const OFFICES: &[Office] = &[
    Office {
        name: "London HQ",
        city: "London",
        state: "England",
        country: "GB",
    },
    Office {
        name: "Manchester",
        city: "Manchester",
        state: "England",
        country: "GB",
    },
    Office {
        name: "Berlin",
        city: "Berlin",
        state: "Berlin",
        country: "DE",
    },
    Office {
        name: "München",
        city: "München",
        state: "Bayern",
        country: "DE",
    },
    Office {
        name: "Paris",
        city: "Paris",
        state: "Île-de-France",
        country: "FR",
    },
    Office {
        name: "New York",
        city: "New York",
        state: "NY",
        country: "US",
    },
    Office {
        name: "San Francisco",
        city: "San Francisco",
        state: "CA",
        country: "US",
    },
    Office {
        name: "Toronto",
        city: "Toronto",
        state: "ON",
        country: "CA",
    },
    Office {
        name: "Sydney",
        city: "Sydney",
        state: "NSW",
        country: "AU",
    },
    Office {
        name: "Singapore",
        city: "Singapore",
        state: "",
        country: "SG",
    },
    Office {
        name: "São Paulo",
        city: "São Paulo",
        state: "SP",
        country: "BR",
    },
    Office {
        name: "Kraków",
        city: "Kraków",
        state: "Małopolskie",
        country: "PL",
    },
];

/// What kind of change an employee went through in one generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Edit,
    Leave,
    Delete,
}

#[derive(Debug, Clone)]
pub struct Workforce {
    pub seed: u64,
    /// People at link time.
    pub base_size: u64,
    /// Email domain, shared by every connection of one organisation so that people present in
    /// two HR systems carry the same work email.
    pub domain: String,
    pub linked_at: DateTime<Utc>,
    /// Timestamps of generations 1..=n; index 0 is generation 1.
    pub generations: Vec<DateTime<Utc>>,
    pub hires_per_generation: u64,
    /// Share of existing people changed per generation, in basis points.
    pub change_bp: u64,
}

/// One generated employee, with every field Merge can carry, sensitive ones included.
#[derive(Debug, Clone)]
pub struct Person {
    pub index: u64,
    pub id: Uuid,
    pub remote_id: String,
    pub employee_number: String,
    pub first_name: String,
    pub last_name: String,
    pub preferred_name: Option<String>,
    pub display_full_name: String,
    pub username: String,
    pub work_email: Option<String>,
    pub personal_email: String,
    pub mobile_phone_number: String,
    pub manager: Option<u64>,
    pub team: u64,
    pub department: u64,
    pub office: usize,
    pub start_date: DateTime<Utc>,
    pub hire_date: DateTime<Utc>,
    pub date_of_birth: DateTime<Utc>,
    pub status: &'static str,
    pub termination_date: Option<DateTime<Utc>>,
    pub deleted: bool,
    pub job_title: String,
    pub title_generation: usize,
    pub ssn: String,
    pub gender: &'static str,
    pub ethnicity: &'static str,
    pub marital_status: &'static str,
    pub pay_rate: f64,
    pub pay_currency: &'static str,
    pub created_at: DateTime<Utc>,
    pub modified_at: DateTime<Utc>,
}

pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

const LOW62: u64 = (1 << 62) - 1;

/// Ids look random but are reversible, so `GET /employees/{id}` finds its record without an
/// index: the high half is derived from (seed, kind), the low half is the masked record index.
pub fn uuid_from(seed: u64, kind: u64, index: u64) -> Uuid {
    let high = mix(seed ^ mix(kind));
    let mask = mix(high);
    let low = ((index ^ mask) & LOW62) | (1 << 63);
    let high = (high & !0xF000) | 0x4000;
    Uuid::from_u64_pair(high, low)
}

/// The record index behind an id made by [`uuid_from`] for the same seed and kind.
pub fn index_from(seed: u64, kind: u64, id: &Uuid) -> Option<u64> {
    let (high, low) = id.as_u64_pair();
    let expected_high = mix(seed ^ mix(kind));
    if high != (expected_high & !0xF000) | 0x4000 {
        return None;
    }
    Some((low & LOW62) ^ (mix(expected_high) & LOW62))
}

/// Depth of a node in the management tree (CEO = 0).
pub fn depth(mut i: u64) -> u32 {
    let mut d = 0;
    while i > 0 {
        i = (i - 1) / FANOUT;
        d += 1;
    }
    d
}

fn ancestor_at(mut i: u64, target: u32) -> u64 {
    let mut d = depth(i);
    while d > target {
        i = (i - 1) / FANOUT;
        d -= 1;
    }
    i
}

impl Workforce {
    pub fn generation(&self) -> usize {
        self.generations.len()
    }

    /// Everyone ever hired, leavers and deleted included.
    pub fn size(&self) -> u64 {
        self.base_size + self.hires_per_generation * self.generations.len() as u64
    }

    fn rnd(&self, i: u64, salt: u64) -> u64 {
        mix(self.seed ^ mix(i ^ salt.wrapping_mul(0x2545_F491_4F6C_DD1D)))
    }

    /// The generation (1-based) in which a person was hired; 0 for the original workforce.
    pub fn hired_in(&self, i: u64) -> usize {
        if i < self.base_size || self.hires_per_generation == 0 {
            0
        } else {
            ((i - self.base_size) / self.hires_per_generation) as usize + 1
        }
    }

    /// The change a person went through in generation `g`, if any.
    pub fn change(&self, i: u64, g: usize) -> Option<Change> {
        if g <= self.hired_in(i) || i == 0 {
            return None;
        }
        if self.rnd(i, 1000 + g as u64) % 10_000 >= self.change_bp {
            return None;
        }
        Some(match self.rnd(i, 2000 + g as u64) % 10 {
            0..=6 => Change::Edit,
            7 | 8 => Change::Leave,
            _ => Change::Delete,
        })
    }

    fn generation_time(&self, g: usize) -> DateTime<Utc> {
        if g == 0 {
            self.linked_at
        } else {
            self.generations[g - 1]
        }
    }

    /// Teams: 0 is Leadership, 1..=8 are the departments' own teams, then eight teams under each
    /// department, numbered as the tree nodes that lead them.
    pub fn team_count(&self) -> u64 {
        self.size().clamp(1, 73)
    }

    pub fn team_name(&self, t: u64) -> String {
        match t {
            0 => "Leadership".into(),
            1..=8 => DEPARTMENTS[(t - 1) as usize].into(),
            _ => format!(
                "{} {}",
                DEPARTMENTS[((t - 1) / FANOUT - 1) as usize],
                TEAM_SUFFIXES[((t - 1) % FANOUT) as usize]
            ),
        }
    }

    pub fn team_parent(&self, t: u64) -> Option<u64> {
        match t {
            0 => None,
            1..=8 => Some(0),
            _ => Some((t - 1) / FANOUT),
        }
    }

    pub fn department_name(d: u64) -> &'static str {
        DEPARTMENTS[(d.clamp(1, 8) - 1) as usize]
    }

    pub fn person(&self, i: u64) -> Person {
        let r = |salt: u64| self.rnd(i, salt);
        let Names {
            first,
            last,
            preferred_name,
            local,
        } = self.names(i);
        let display_full_name = format!("{} {}", preferred_name.as_deref().unwrap_or(&first), last);
        let work_email = (r(5) % 40 != 0).then(|| format!("{local}@{}", self.domain));

        let manager = (i > 0).then(|| (i - 1) / FANOUT);
        let team = match depth(i) {
            0 => 0,
            1 => i,
            _ => ancestor_at(i, 2),
        };
        let department = if i == 0 { 1 } else { ancestor_at(i, 1) };
        let hired_in = self.hired_in(i);
        let created_at = self.generation_time(hired_in);
        let Employment {
            start_date,
            status,
            termination_date,
            deleted,
            modified_at,
            title_generation,
        } = self.employment(i, hired_in, created_at);

        let title = self.title(i, department, title_generation);
        let office = (mix(r(15)) % OFFICES.len() as u64) as usize;

        Person {
            index: i,
            id: uuid_from(self.seed, 1, i),
            remote_id: (10_000 + i).to_string(),
            employee_number: format!("E{:06}", i + 1),
            first_name: first,
            last_name: last,
            preferred_name,
            display_full_name,
            username: local.clone(),
            work_email,
            personal_email: format!("{local}.home@personal.example"),
            mobile_phone_number: format!("+44 7700 9{:05}", r(16) % 100_000),
            manager,
            team,
            department,
            office,
            start_date,
            hire_date: start_date - Duration::days(14),
            date_of_birth: date_of_birth(r(11), r(12), r(13)),
            status,
            termination_date,
            deleted,
            job_title: title,
            title_generation,
            ssn: format!(
                "{:03}-{:02}-{:04}",
                100 + r(17) % 800,
                10 + r(18) % 89,
                1000 + r(19) % 9000
            ),
            gender: GENDERS[(r(20) % GENDERS.len() as u64) as usize],
            ethnicity: ETHNICITIES[(r(21) % ETHNICITIES.len() as u64) as usize],
            marital_status: MARITAL_STATUSES[(r(22) % MARITAL_STATUSES.len() as u64) as usize],
            pay_rate: 30_000.0 + (r(23) % 120_000) as f64,
            pay_currency: ["GBP", "EUR", "USD"][(r(24) % 3) as usize],
            created_at,
            modified_at,
        }
    }

    /// Their names and the local part of their email addresses. Every 997th person has a name
    /// built to break naive rendering and a control name the tests look for.
    fn names(&self, i: u64) -> Names {
        let r = |salt: u64| self.rnd(i, salt);
        let hostile = i % 997 == 13;
        let control = i % 997 == 41;
        // Every 50th person exists under the same name and email in each HR system of the
        // organisation, as people do who appear in two divisions' systems.
        let name_seed = if i % 50 == 7 { i } else { r(1) };
        let first = if control {
            CONTROL_FIRST.to_owned()
        } else if hostile {
            HOSTILE_FIRST[(i / 997) as usize % HOSTILE_FIRST.len()].to_owned()
        } else {
            FIRST[(mix(name_seed) % FIRST.len() as u64) as usize].to_owned()
        };
        let last = if control {
            CONTROL_LAST.to_owned()
        } else {
            LAST[(mix(name_seed ^ 0xABCD) % LAST.len() as u64) as usize].to_owned()
        };
        let preferred_name = (!control && r(3) % 10 == 0)
            .then(|| FIRST[(r(4) % FIRST.len() as u64) as usize].to_owned());
        let local = format!("{}.{}", ascii_fold(&first), ascii_fold(&last));
        let local = if local.len() < 3 || local.starts_with('.') || local.ends_with('.') {
            format!("staff{}", 10_000 + i)
        } else if i % 50 == 7 {
            local
        } else {
            format!("{local}{i}")
        };
        Names {
            first,
            last,
            preferred_name,
            local,
        }
    }

    /// Their start, status and end as of the current generation: hired at link time or in a
    /// later generation, then edited, leaving or deleted by the generations since.
    fn employment(&self, i: u64, hired_in: usize, created_at: DateTime<Utc>) -> Employment {
        let r = |salt: u64| self.rnd(i, salt);
        let start_date = if hired_in > 0 {
            day(created_at) + Duration::days((r(6) % 21) as i64 - 7)
        } else {
            match r(7) % 100 {
                // Recent joiners and pending hires relative to link time.
                0..=3 => day(self.linked_at) - Duration::days((r(8) % 30) as i64),
                4 => day(self.linked_at) + Duration::days(1 + (r(8) % 40) as i64),
                _ => day(self.linked_at) - Duration::days(30 + (r(8) % 2900) as i64),
            }
        };
        let mut e = Employment {
            start_date,
            status: if start_date > self.linked_at.max(created_at) {
                "PENDING"
            } else {
                "ACTIVE"
            },
            termination_date: None,
            deleted: false,
            modified_at: created_at,
            title_generation: 0,
        };
        if hired_in == 0 && i > 0 && r(9) % 100 < 4 {
            e.status = "INACTIVE";
            e.termination_date = Some(day(self.linked_at) - Duration::days((r(10) % 400) as i64));
        }
        for g in (hired_in + 1)..=self.generation() {
            let Some(change) = self.change(i, g) else {
                continue;
            };
            if e.deleted {
                break;
            }
            e.modified_at = self.generation_time(g);
            match change {
                Change::Edit => e.title_generation = g,
                Change::Leave if e.termination_date.is_none() => {
                    e.status = "INACTIVE";
                    e.termination_date = Some(day(e.modified_at));
                }
                Change::Leave => e.title_generation = g,
                Change::Delete => e.deleted = true,
            }
        }
        e
    }

    fn title(&self, i: u64, department: u64, title_generation: usize) -> String {
        if i % 997 == 41 {
            CONTROL_TITLE.to_owned()
        } else if i % 997 == 13 {
            "<img src=x onerror=alert('title')> Manager".to_owned()
        } else if depth(i) == 1 {
            format!("Head of {}", Self::department_name(department))
        } else {
            let r = self.rnd(i, 14);
            TITLES[(mix(r ^ title_generation as u64) % TITLES.len() as u64) as usize].to_owned()
        }
    }

    /// The time a record was last modified, without building it (used to scan windows fast).
    pub fn modified_at(&self, i: u64) -> DateTime<Utc> {
        let hired_in = self.hired_in(i);
        let mut at = self.generation_time(hired_in);
        for g in (hired_in + 1)..=self.generation() {
            match self.change(i, g) {
                Some(Change::Delete) => return self.generation_time(g),
                Some(_) => at = self.generation_time(g),
                None => {}
            }
        }
        at
    }

    pub fn is_deleted(&self, i: u64) -> bool {
        let hired_in = self.hired_in(i);
        ((hired_in + 1)..=self.generation()).any(|g| self.change(i, g) == Some(Change::Delete))
    }
}

fn day(at: DateTime<Utc>) -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(at.year(), at.month(), at.day())
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
        .unwrap_or(at)
}

fn ascii_fold(s: &str) -> String {
    s.nfd()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect::<String>()
        .replace('ł', "l")
}

/// A person's names, as [`Workforce::person`] builds them.
struct Names {
    first: String,
    last: String,
    preferred_name: Option<String>,
    /// The local part of their email addresses.
    local: String,
}

/// A person's employment, as [`Workforce::person`] builds it.
struct Employment {
    start_date: DateTime<Utc>,
    status: &'static str,
    termination_date: Option<DateTime<Utc>>,
    deleted: bool,
    modified_at: DateTime<Utc>,
    title_generation: usize,
}

const GENDERS: [&str; 5] = [
    "MALE",
    "FEMALE",
    "NON-BINARY",
    "OTHER",
    "PREFER_NOT_TO_DISCLOSE",
];
const ETHNICITIES: [&str; 6] = [
    "ASIAN_OR_INDIAN_SUBCONTINENT",
    "BLACK_OR_AFRICAN_AMERICAN",
    "HISPANIC_OR_LATINO",
    "WHITE",
    "TWO_OR_MORE_RACES",
    "PREFER_NOT_TO_DISCLOSE",
];
const MARITAL_STATUSES: [&str; 3] = ["SINGLE", "MARRIED_FILING_JOINTLY", "HEAD_OF_HOUSEHOLD"];

/// A birth date between 1960 and 2004 from three random numbers.
fn date_of_birth(year: u64, month: u64, day: u64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(
        1960 + (year % 45) as i32,
        1 + (month % 12) as u32,
        1 + (day % 28) as u32,
        0,
        0,
        0,
    )
    .single()
    .expect("valid date")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workforce(size: u64) -> Workforce {
        Workforce {
            seed: 42,
            base_size: size,
            domain: "acme.example".into(),
            linked_at: Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap(),
            generations: vec![],
            hires_per_generation: 5,
            change_bp: 300,
        }
    }

    #[test]
    fn records_are_deterministic_and_realistic() {
        let w = workforce(2000);
        let a = w.person(123);
        let b = w.person(123);
        assert_eq!(a.id, b.id);
        assert_eq!(a.display_full_name, b.display_full_name);
        let people: Vec<Person> = (0..2000).map(|i| w.person(i)).collect();
        assert!(people.iter().any(|p| p.status == "INACTIVE"));
        assert!(people.iter().any(|p| p.status == "PENDING"));
        assert!(people.iter().any(|p| p.work_email.is_none()));
        assert!(people.iter().any(|p| p.first_name.contains('<')));
        assert!(people.iter().any(|p| !p.first_name.is_ascii()));
        assert!(people[41].display_full_name.contains('\u{0}'));
        assert!(people[41].job_title.contains('\u{0}'));
        let recent = people
            .iter()
            .filter(|p| {
                p.start_date > w.linked_at - Duration::days(30) && p.start_date <= w.linked_at
            })
            .count();
        assert!(recent > 20, "only {recent} recent joiners");
        let countries: std::collections::BTreeSet<_> =
            people.iter().map(|p| OFFICES[p.office].country).collect();
        assert!(countries.len() >= 6);
        assert_eq!(people[0].manager, None);
        assert_eq!(people[9].manager, Some(1));
        assert_eq!(people[9].team, 9);
        assert_eq!(people[100].department, 1);
        let ids: std::collections::BTreeSet<_> = people.iter().map(|p| p.id).collect();
        assert_eq!(ids.len(), people.len());
        assert_eq!(index_from(42, 1, &people[77].id), Some(77));
        assert_eq!(index_from(42, 2, &people[77].id), None);
        assert_eq!(people[77].id.get_version_num(), 4);
    }

    #[test]
    fn shared_people_have_the_same_email_in_two_systems() {
        let a = workforce(500);
        let b = Workforce {
            seed: 7,
            ..workforce(500)
        };
        assert_eq!(a.person(57).work_email, b.person(57).work_email);
        assert_ne!(a.person(58).work_email, b.person(58).work_email);
    }

    #[test]
    fn generations_add_hires_and_change_people() {
        let mut w = workforce(1000);
        let before: Vec<_> = (0..1000).map(|i| w.person(i)).collect();
        w.generations.push(w.linked_at + Duration::hours(1));
        assert_eq!(w.size(), 1005);
        let after: Vec<_> = (0..1000).map(|i| w.person(i)).collect();
        let changed = before
            .iter()
            .zip(&after)
            .filter(|(b, a)| b.modified_at != a.modified_at)
            .count();
        assert!((10..=60).contains(&changed), "{changed} changed");
        for i in 0..1005 {
            assert_eq!(w.modified_at(i), w.person(i).modified_at);
            assert_eq!(w.is_deleted(i), w.person(i).deleted);
        }
        assert_eq!(w.person(1003).created_at, w.generations[0]);
    }
}
