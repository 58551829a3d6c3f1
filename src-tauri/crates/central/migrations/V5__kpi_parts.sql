-- The centre's projections, version 5: KPI parts, the pre-aggregates that
-- reports by hall, by service and in total read instead of every leg
-- (src/parts.rs). One row per hall, business day and service: the KPI
-- accumulator's whole state for that service's legs of that day
-- (hallq_core::KpiAccumulator::to_part: counts, every wait and handling
-- and every join and leave of the queue to the millisecond, the arrival
-- hours), and one row per hall and day with service '' holding the
-- counters' open time of that day from sessions already closed (open
-- sessions are read at report time: their end is the hall's last event).
-- Rewritten for the days a batch touched in the transaction that stores
-- the batch, so never ahead of or behind the legs; a centre upgraded from
-- V4 builds them from its projections at start.
--
-- Keyed by hall_id first (the Citus distribution column). Parts are a few
-- hundred bytes to a few kilobytes: kept in the row (toast_tuple_target at
-- its largest) and never compressed (EXTERNAL), since a report reads them
-- all.
CREATE TABLE kpi_parts (
    hall_id      uuid  NOT NULL,
    business_day date  NOT NULL,
    service      text  NOT NULL,
    part         bytea NOT NULL,
    PRIMARY KEY (hall_id, business_day, service)
) WITH (toast_tuple_target = 8160);
ALTER TABLE kpi_parts ALTER COLUMN part SET STORAGE EXTERNAL;
