//! Maps of Việt Nam, drawn here as SVG from `data/vietnam.json` (Natural Earth's outline, and the
//! Hoàng Sa and Trường Sa archipelagos, which every map draws as Vietnamese territory with their
//! names, as Vietnamese law requires of published maps; `data/README.md` says where the data comes
//! from). Nothing is fetched at run time and no tile server is involved: an equirectangular
//! projection, scaled for the country's mean latitude, and points placed on it.

use serde::Deserialize;
use std::fmt::Write;
use std::sync::LazyLock;

#[derive(Debug, Deserialize)]
struct Data {
    mainland: Vec<Vec<[f64; 2]>>,
    archipelagos: Vec<ArchipelagoData>,
}

#[derive(Debug, Deserialize)]
struct ArchipelagoData {
    name_vi: String,
    label: [f64; 2],
    islands: Vec<(String, f64, f64)>,
}

static DATA: LazyLock<Data> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../data/vietnam.json")).unwrap_or(Data {
        mainland: Vec::new(),
        archipelagos: Vec::new(),
    })
});

/// The mainland as an SVG path, projected once.
/// Hoàng Sa and Trường Sa, projected once: their names and their islands.
static ARCHIPELAGOS: LazyLock<Vec<Archipelago>> = LazyLock::new(|| {
    DATA.archipelagos
        .iter()
        .map(|a| {
            let (x, y) = project(a.label[0], a.label[1]);
            Archipelago {
                name: a.name_vi.clone(),
                x,
                y,
                islands: a
                    .islands
                    .iter()
                    .map(|(name, lon, lat)| {
                        let (x, y) = project(*lon, *lat);
                        (name.clone(), x, y)
                    })
                    .collect(),
            }
        })
        .collect()
});

static OUTLINE: LazyLock<String> = LazyLock::new(|| {
    let mut outline = String::new();
    for ring in &DATA.mainland {
        for (i, [lon, lat]) in ring.iter().enumerate() {
            let (x, y) = project(*lon, *lat);
            let _ = write!(outline, "{}{x:.1} {y:.1}", if i == 0 { "M" } else { "L" });
        }
        outline.push('Z');
    }
    outline
});

/// The area drawn: longitudes and latitudes.
const WEST: f64 = 101.8;
const EAST: f64 = 117.6;
const SOUTH: f64 = 6.6;
const NORTH: f64 = 23.6;
/// SVG units per degree of latitude.
const UNIT: f64 = 22.0;

/// Where a longitude and latitude fall on the map.
pub fn project(lon: f64, lat: f64) -> (f64, f64) {
    let k = 15.5_f64.to_radians().cos();
    ((lon - WEST) * k * UNIT, (NORTH - lat) * UNIT)
}

/// An archipelago as drawn: its name, where the name goes, and its islands.
pub struct Archipelago {
    pub name: String,
    pub x: f64,
    pub y: f64,
    pub islands: Vec<(String, f64, f64)>,
}

/// A point on the map (a cluster), with what it says and a class for its colour.
pub struct Point {
    pub x: f64,
    pub y: f64,
    pub title: String,
    pub class: &'static str,
}

/// A map ready for a template: its size, the country's outline as a path, the archipelagos, points.
pub struct Map {
    pub width: f64,
    pub height: f64,
    pub outline: &'static str,
    pub archipelagos: &'static [Archipelago],
    pub points: Vec<Point>,
}

impl Map {
    /// The country, with these points (longitude, latitude, title, class); points outside the area
    /// drawn are left out.
    pub fn of(points: impl IntoIterator<Item = (f64, f64, String, &'static str)>) -> Map {
        let (width, height) = project(EAST, SOUTH);
        Map {
            width,
            height,
            outline: &OUTLINE,
            archipelagos: &ARCHIPELAGOS,
            points: points
                .into_iter()
                .filter(|(lon, lat, ..)| {
                    (WEST..=EAST).contains(lon) && (SOUTH..=NORTH).contains(lat)
                })
                .map(|(lon, lat, title, class)| {
                    let (x, y) = project(lon, lat);
                    Point { x, y, title, class }
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_map_draws_hoang_sa_and_truong_sa_as_vietnamese_with_their_names() {
        let m = Map::of([]);
        let names: Vec<&str> = m.archipelagos.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["Quần đảo Hoàng Sa", "Quần đảo Trường Sa"]);
        for a in m.archipelagos {
            assert!(a.islands.len() >= 5, "{}", a.name);
            for (name, x, y) in &a.islands {
                assert!(
                    (0.0..=m.width).contains(x) && (0.0..=m.height).contains(y),
                    "{name}"
                );
            }
        }
        // The mainland is there, from Hà Giang to Cà Mau.
        assert!(m.outline.matches('M').count() >= 8);
        assert!(m.outline.len() > 5000);
    }

    #[test]
    fn points_fall_where_their_coordinates_say() {
        let m = Map::of([
            (105.85, 21.03, "Hà Nội".to_owned(), "a"),
            (106.70, 10.78, "TP Hồ Chí Minh".to_owned(), "a"),
            (0.0, 0.0, "nowhere".to_owned(), "a"),
        ]);
        assert_eq!(m.points.len(), 2);
        let (hn, hcm) = (&m.points[0], &m.points[1]);
        assert!(hn.y < hcm.y, "Hà Nội is north of Hồ Chí Minh City");
        assert!(hn.x < hcm.x);
        let hoang_sa = &m.archipelagos[0];
        assert!(hoang_sa.x > hn.x, "Hoàng Sa lies east of the mainland");
    }
}
