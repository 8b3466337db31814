-- How much throughput does a latency bound cost? For each system, round and model with both: Server throughput
-- (under the model's latency bound) against Offline throughput (no bound); server_to_offline = Server / Offline,
-- each in the unit it measures (stg_inference_results).
with

results as (
    select * from stg_inference_results where valid
),

offline as (
    select * from results where scenario = 'Offline'
),

server as (
    select * from results where scenario = 'Server'
),

paired as (
    select
        server.round,
        server.division,
        server.model,
        server.submitter,
        server.system,
        offline.result as offline_result,
        server.result as server_result,
        server.units as server_units,
        server.result / offline.result as server_to_offline,
        server.target_latency_ns / 1e6 as latency_bound_ms,
        server.latency_p99_ns / 1e6 as server_p99_latency_ms,
        offline.units as offline_units,
        server.availability
    from server
    join offline
        on offline.round = server.round
        and offline.division = server.division
        and offline.submitter = server.submitter
        and offline.system = server.system
        and offline.benchmark = server.benchmark
)

select * from paired
order by round, model, server_to_offline desc, division, submitter, system, server_result desc
