//! The national and provincial views of the registry, as of any day: the summary by province or by
//! region (counts, areas, occupancy, clusters without a working wastewater plant), grouped by today's
//! provinces or by the provinces as they were; and the exports of the cluster list to XLSX and to
//! GeoJSON (points or polygons with their attributes, as QGIS opens them).

pub mod export;
pub mod routes;
pub mod store;
