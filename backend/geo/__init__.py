"""Geometry: pure Shapely checks (shapes) and spatial SQL that works on PostGIS and SpatiaLite (sql)."""
