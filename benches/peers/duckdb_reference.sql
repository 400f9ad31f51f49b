-- DuckDB reference for `fleetstate analyze`: the benchmark PEER.
--
-- Reads the four top-level CSV exports that `fleetstate sample` writes (Intune admin-center
-- CSV, Entra "Download devices" CSV, the ConfigMgr query CSV, the Autopilot blade CSV),
-- resolves devices (model.md section 1, as far as SQL reasonably goes), classifies them
-- (model.md section 2, every CASE in first-match order) and leaves one row per device in
-- the table `devices` (the runner writes it out as devices.csv, sorted by device_key).
--
-- Inputs are DuckDB variables (a file name or a list of file names each), set before this
-- script runs, e.g. in the duckdb CLI:
--   SET VARIABLE intune_csv    = 'fleet/intune-devices.csv';
--   SET VARIABLE entra_csv     = 'fleet/entra-devices.csv';
--   SET VARIABLE configmgr_csv = 'fleet/configmgr-devices.csv';
--   SET VARIABLE autopilot_csv = 'fleet/autopilot-devices.csv';
--   SET VARIABLE stale_days    = 90;        -- optional, default 90 (never below 21)
--   .read benches/peers/duckdb_reference.sql
--   COPY (SELECT * FROM devices ORDER BY device_key) TO 'devices.csv' (HEADER);
-- benches/peers/duckdb_reference.py does exactly this.
--
-- NOT modelled (see the report of the benchmark): Graph JSON, UTF-16 and the other CSV
-- forms; slash dates (M/D/YYYY, D/M/YYYY, D.M.YYYY); Autopilot ids, managedDeviceId,
-- azureAdDeviceId and Entra physicalIds ([ZTDID], [HWID]) exist only in Graph JSON, so the
-- links by managedDeviceId/[ZTDID] and Autopilot placeholder objects are not implemented
-- (their columns are read when present, but a placeholder is never recognised); conflict
-- warnings; row accounting (rows_read/used/skipped); the duplicate tie-break's last step
-- ("byte-smallest normalised row") is approximated by the concatenated parsed fields.

SET TimeZone = 'UTC';

-- ---------------------------------------------------------------------------------------
-- Cell parsers (inputs.md section 5)
-- ---------------------------------------------------------------------------------------
-- Empty, white space and SQL `NULL` (any case) are "no value".
CREATE OR REPLACE TEMP MACRO fs_clean(x) AS
    CASE WHEN upper(trim(x)) IN ('', 'NULL') THEN NULL ELSE trim(x) END;
-- GUIDs: lower case, braces stripped.
CREATE OR REPLACE TEMP MACRO fs_guid_text(x) AS
    regexp_replace(lower(fs_clean(x)), '^\{(.*)\}$', '\1');
CREATE OR REPLACE TEMP MACRO fs_is_guid(g) AS
    regexp_full_match(g, '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}');
-- A GUID link column: the all-zero GUID and anything that is no GUID are "none".
CREATE OR REPLACE TEMP MACRO fs_link_guid(x) AS
    CASE WHEN fs_is_guid(fs_guid_text(x))
              AND fs_guid_text(x) <> '00000000-0000-0000-0000-000000000000'
         THEN fs_guid_text(x) END;
-- Record ids (Intune Device ID, Entra objectId): a GUID is normalised, anything else kept.
CREATE OR REPLACE TEMP MACRO fs_id(x) AS
    CASE WHEN fs_is_guid(fs_guid_text(x)) THEN fs_guid_text(x) ELSE fs_clean(x) END;
-- Timestamps: ISO-8601 with space or T, 0-9 fraction digits, Z/offset/none (= UTC);
-- `Pending` and the 0001-01-01 / 9999-12-31 sentinels are "none".
CREATE OR REPLACE TEMP MACRO fs_ts(x) AS
    CASE WHEN left(fs_clean(x), 4) IN ('0000', '0001', '9999') THEN NULL
         ELSE try_cast(try_cast(fs_clean(x) AS TIMESTAMPTZ) AS TIMESTAMP) END;
CREATE OR REPLACE TEMP MACRO fs_bool(x) AS
    CASE lower(fs_clean(x))
        WHEN 'true' THEN true WHEN 'yes' THEN true WHEN '1' THEN true WHEN '-1' THEN true
        WHEN 'false' THEN false WHEN 'no' THEN false WHEN '0' THEN false END;
CREATE OR REPLACE TEMP MACRO fs_int(x) AS
    coalesce(try_cast(fs_clean(x) AS BIGINT), try_cast(try_cast(fs_clean(x) AS DOUBLE) AS BIGINT));
-- Serial numbers: trimmed, placeholders are "none"; compared without white space, upper case.
CREATE OR REPLACE TEMP MACRO fs_serial(x) AS
    CASE WHEN lower(fs_clean(x)) IN ('to be filled by o.e.m.', 'default string',
              'system serial number', 'not specified', 'none', 'n/a', '0', '123456789',
              '0123456789') THEN NULL
         ELSE fs_clean(x) END;
CREATE OR REPLACE TEMP MACRO fs_serial_key(s) AS upper(regexp_replace(s, '\s', '', 'g'));
-- Out of scope (model.md section 0): 'platform', 'server' or NULL (in scope).
CREATE OR REPLACE TEMP MACRO fs_scope(os, sku) AS
    CASE WHEN os IS NOT NULL AND NOT (lower(os) LIKE 'windows%' OR lower(os) LIKE 'microsoft windows%')
              THEN 'platform'
         WHEN contains(lower(coalesce(os, '')), 'server') OR contains(lower(coalesce(sku, '')), 'server')
              THEN 'server' END;
-- Windows versions (`6.1.7601`, `10.0.19045.1`): part n as an integer (n = 1, 2, 3); a
-- missing third part is 0; a version whose first two parts are no integers is none.
CREATE OR REPLACE TEMP MACRO fs_version_part(v, n) AS
    CASE WHEN try_cast(trim(split_part(trim(v), '.', 1)) AS BIGINT) IS NOT NULL
          AND try_cast(trim(split_part(trim(v), '.', 2)) AS BIGINT) IS NOT NULL
         THEN CASE WHEN n < 3 THEN try_cast(trim(split_part(trim(v), '.', n)) AS BIGINT)
                   ELSE coalesce(try_cast(trim(split_part(trim(v), '.', 3)) AS BIGINT), 0) END END;
CREATE OR REPLACE TEMP MACRO fs_too_old(v) AS coalesce(
    fs_version_part(v, 1) < 10
    OR (fs_version_part(v, 1) = 10 AND fs_version_part(v, 3) > 0 AND fs_version_part(v, 3) < 16299),
    false);
-- CSV cells a spreadsheet would run get a leading quote (outputs.md).
CREATE OR REPLACE TEMP MACRO fs_csv_safe(x) AS
    CASE WHEN left(x, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) THEN '''' || x ELSE x END;

-- The optional columns and aliases of each form: a zero-row table per source, unioned BY
-- NAME with the file, so an absent column reads as NULL (column names match any case).
CREATE OR REPLACE TEMP TABLE fs_intune_cols (
    "Device ID" VARCHAR, "Device name" VARCHAR, "Enrollment date" VARCHAR,
    "Last check-in" VARCHAR, "Azure AD Device ID" VARCHAR, "Microsoft Entra Device ID" VARCHAR,
    "OS version" VARCHAR, "Serial number" VARCHAR, "Primary user UPN" VARCHAR,
    "Compliance" VARCHAR, "Managed by" VARCHAR, "ManagementAgents" VARCHAR,
    "Ownership" VARCHAR, "OS" VARCHAR, "SkuFamily" VARCHAR, "JoinType" VARCHAR,
    "EnrollmentType" VARCHAR, "autopilotEnrolled" VARCHAR);
CREATE OR REPLACE TEMP TABLE fs_entra_cols (
    "displayName" VARCHAR, "accountEnabled" VARCHAR, "operatingSystem" VARCHAR,
    "operatingSystemVersion" VARCHAR, "joinType (trustType)" VARCHAR, "deviceTrustType" VARCHAR,
    "registeredOwners" VARCHAR, "mdmDisplayName" VARCHAR, "mdmAppId" VARCHAR,
    "isCompliant" VARCHAR, "registrationTime" VARCHAR, "approximateLastSignInDateTime" VARCHAR,
    "deviceId" VARCHAR, "isManaged" VARCHAR, "objectId" VARCHAR, "profileType" VARCHAR,
    "deviceOwnership" VARCHAR);
CREATE OR REPLACE TEMP TABLE fs_configmgr_cols (
    "ResourceID" VARCHAR, "Name0" VARCHAR, "Name" VARCHAR, "Client0" VARCHAR,
    "Obsolete0" VARCHAR, "Operating_System_Name_and0" VARCHAR, "Build01" VARCHAR,
    "AADDeviceID" VARCHAR, "SerialNumber0" VARCHAR, "LastActiveTime" VARCHAR,
    "MDMEnrolled" VARCHAR, "ComgmtPolicyPresent" VARCHAR, "HybridAADJoined" VARCHAR,
    "AADJoined" VARCHAR, "MDMWorkloads" VARCHAR, "EnrollmentStatusCode" VARCHAR);
CREATE OR REPLACE TEMP TABLE fs_autopilot_cols (
    "Serial number" VARCHAR, "Group tag" VARCHAR, "User" VARCHAR, "Device name" VARCHAR,
    "Enrollment state" VARCHAR, "Last contacted" VARCHAR, "id" VARCHAR,
    "azureAdDeviceId" VARCHAR, "managedDeviceId" VARCHAR);

-- ---------------------------------------------------------------------------------------
-- Per source: parse, set aside by scope, remove copies of one record
-- ---------------------------------------------------------------------------------------
CREATE OR REPLACE TEMP TABLE fs_intune AS
WITH raw AS (
    SELECT * FROM read_csv(getvariable('intune_csv'), header = true, all_varchar = true,
                           delim = ',', quote = '"', escape = '"', union_by_name = true)
    UNION ALL BY NAME SELECT * FROM fs_intune_cols
), parsed AS (
    SELECT
        fs_id("Device ID") AS id,
        fs_clean("Device name") AS name,
        fs_link_guid(coalesce(fs_clean("Azure AD Device ID"), fs_clean("Microsoft Entra Device ID"))) AS entra_id,
        lower(coalesce(fs_clean("Managed by"), fs_clean("ManagementAgents"))) AS managed_by,
        lower(fs_clean("Ownership")) AS ownership_raw,
        lower(fs_clean("EnrollmentType")) AS enrollment_raw,
        lower(fs_clean("JoinType")) AS join_raw,
        fs_bool("autopilotEnrolled") AS autopilot_enrolled,
        fs_clean("OS") AS os,
        fs_clean("OS version") AS os_version,
        fs_clean("SkuFamily") AS sku,
        fs_serial("Serial number") AS serial,
        fs_clean("Compliance") AS compliance,
        fs_ts("Enrollment date") AS enrolled,
        fs_ts("Last check-in") AS last_sync
    FROM raw
)
SELECT
    id, name, entra_id, serial, fs_serial_key(serial) AS serial_key, enrolled, last_sync,
    compliance, os, os_version, sku,
    -- management agent (inputs.md 1.1 `Managed by`, 1.2 managementAgent names/integers)
    CASE WHEN managed_by IN ('intune', 'mdm', 'easmdm', 'mdm/eas', 'microsoft365managedmdm',
                             'intuneaosp', '2', '3', '258', '2048') THEN 'mdm'
         WHEN managed_by IN ('co-managed', 'comanaged', 'mdm/configmgr agent',
                             'configurationmanagerclientmdm', 'configurationmanagerclientmdmeas',
                             '10', '11') THEN 'co_managed'
         WHEN managed_by IN ('configmgr', 'configurationmanagerclient', '8') THEN 'configmgr'
         WHEN managed_by IN ('mde', 'mssense', '1024') THEN 'mde'
         WHEN managed_by IN ('intuneclient', 'easintuneclient', '4', '5') THEN 'classic'
         WHEN managed_by IN ('eas', '1') THEN 'eas'
         WHEN managed_by IS NULL OR managed_by IN ('unknown', '16') THEN NULL
         ELSE 'other' END AS agent,
    CASE WHEN ownership_raw IN ('corporate', 'company', '1') THEN 'corporate'
         WHEN ownership_raw IN ('personal', '2') THEN 'personal' END AS ownership,
    -- enrollment type: enum names any case or integers; unknown/empty/absent = NULL
    CASE WHEN enrollment_raw IN ('userenrollment', '1') THEN 'userEnrollment'
         WHEN enrollment_raw IN ('deviceenrollmentmanager', '2') THEN 'deviceEnrollmentManager'
         WHEN enrollment_raw IN ('windowsazureadjoin', '5') THEN 'windowsAzureADJoin'
         WHEN enrollment_raw IN ('windowsbulkuserless', '6') THEN 'windowsBulkUserless'
         WHEN enrollment_raw IN ('windowsautoenrollment', '7') THEN 'windowsAutoEnrollment'
         WHEN enrollment_raw IN ('windowsbulkazuredomainjoin', '8') THEN 'windowsBulkAzureDomainJoin'
         WHEN enrollment_raw IN ('windowscomanagement', '9') THEN 'windowsCoManagement'
         WHEN enrollment_raw IN ('windowsazureadjoinusingdeviceauth', '10') THEN 'windowsAzureADJoinUsingDeviceAuth'
         WHEN enrollment_raw IN ('applebulkwithuser', 'applebulkwithoutuser', 'appleuserenrollment',
                                 'appleuserenrollmentwithserviceaccount',
                                 'azureadjoinusingazurevmextension', '3', '4', '11', '12', '14')
              THEN 'other' END AS enrollment_type,
    CASE WHEN contains(join_raw, 'hybrid') OR join_raw = '3' THEN 'hybrid_joined'
         WHEN contains(join_raw, 'registered') OR join_raw = '2' THEN 'registered'
         WHEN contains(join_raw, 'joined') OR join_raw = '1' THEN 'entra_joined' END AS join_type,
    autopilot_enrolled,
    (name IS NOT NULL)::INT + (entra_id IS NOT NULL)::INT + (managed_by IS NOT NULL)::INT
      + (ownership_raw IS NOT NULL)::INT + (enrollment_raw IS NOT NULL)::INT
      + (join_raw IS NOT NULL)::INT + (os IS NOT NULL)::INT + (sku IS NOT NULL)::INT
      + (serial IS NOT NULL)::INT + (compliance IS NOT NULL)::INT + (enrolled IS NOT NULL)::INT
      + (last_sync IS NOT NULL)::INT AS non_empty
FROM parsed
WHERE id IS NOT NULL                       -- required column: else the row is rejected
  AND fs_scope(os, sku) IS NULL
-- the same record twice: keep the latest activity, then the most non-empty fields
QUALIFY row_number() OVER (
    PARTITION BY id
    ORDER BY last_sync DESC NULLS LAST, non_empty DESC,
             concat_ws('|', name, entra_id, managed_by, ownership_raw, enrollment_raw, join_raw,
                       serial, compliance, enrolled, os, sku)) = 1;

CREATE OR REPLACE TEMP TABLE fs_entra AS
WITH raw AS (
    SELECT * FROM read_csv(getvariable('entra_csv'), header = true, all_varchar = true,
                           delim = ',', quote = '"', escape = '"', union_by_name = true)
    UNION ALL BY NAME SELECT * FROM fs_entra_cols
), parsed AS (
    SELECT
        fs_id("objectId") AS object_id,
        fs_link_guid("deviceId") AS device_id,
        fs_clean("displayName") AS name,
        lower(coalesce(fs_clean("joinType (trustType)"), fs_clean("deviceTrustType"))) AS trust_raw,
        fs_bool("isManaged") AS is_managed,
        fs_bool("isCompliant") AS is_compliant,
        fs_bool("accountEnabled") AS enabled,
        lower(fs_clean("mdmAppId")) AS mdm_app_id,
        fs_clean("mdmDisplayName") AS mdm_name,
        lower(fs_clean("deviceOwnership")) AS ownership_raw,
        fs_clean("operatingSystem") AS os,
        fs_clean("operatingSystemVersion") AS os_version,
        fs_clean("profileType") AS profile_type,
        fs_ts("registrationTime") AS registered,
        fs_ts("approximateLastSignInDateTime") AS last_sign_in
    FROM raw
), typed AS (
    SELECT *,
        CASE WHEN trust_raw = 'azuread' THEN 'AzureAd'
             WHEN trust_raw = 'serverad' THEN 'ServerAd'
             WHEN trust_raw = 'workplace' THEN 'Workplace'
             WHEN contains(trust_raw, 'hybrid') THEN 'ServerAd'
             WHEN contains(trust_raw, 'registered') THEN 'Workplace'
             WHEN contains(trust_raw, 'joined') THEN 'AzureAd' END AS trust,
        CASE WHEN ownership_raw IN ('corporate', 'company', '1') THEN 'corporate'
             WHEN ownership_raw IN ('personal', '2') THEN 'personal' END AS ownership,
        (name IS NOT NULL)::INT + (trust_raw IS NOT NULL)::INT + (is_managed IS NOT NULL)::INT
          + (is_compliant IS NOT NULL)::INT + (enabled IS NOT NULL)::INT
          + (mdm_app_id IS NOT NULL)::INT + (mdm_name IS NOT NULL)::INT
          + (ownership_raw IS NOT NULL)::INT + (os IS NOT NULL)::INT
          + (os_version IS NOT NULL)::INT + (profile_type IS NOT NULL)::INT
          + (registered IS NOT NULL)::INT + (last_sign_in IS NOT NULL)::INT
          + (object_id IS NOT NULL)::INT + (device_id IS NOT NULL)::INT AS non_empty,
        concat_ws('|', object_id, device_id, name, trust_raw, is_managed, mdm_name, os,
                  registered, last_sign_in) AS norm
    FROM parsed
    WHERE (object_id IS NOT NULL OR device_id IS NOT NULL)
      AND fs_scope(os, NULL) IS NULL
), by_object AS (
    SELECT * FROM typed
    QUALIFY object_id IS NULL OR row_number() OVER (
        PARTITION BY object_id
        ORDER BY last_sign_in DESC NULLS LAST, non_empty DESC, norm) = 1
)
-- two objects claiming one device id would make two devices with one key: one is kept
SELECT * EXCLUDE (norm, trust_raw, ownership_raw),
       -- the device this object anchors
       coalesce(device_id, 'entra-object:' || object_id) AS gkey
FROM by_object
QUALIFY device_id IS NULL OR row_number() OVER (
    PARTITION BY device_id
    ORDER BY last_sign_in DESC NULLS LAST, non_empty DESC, norm) = 1;

CREATE OR REPLACE TEMP TABLE fs_configmgr AS
WITH raw AS (
    SELECT * FROM read_csv(getvariable('configmgr_csv'), header = true, all_varchar = true,
                           delim = ',', quote = '"', escape = '"', union_by_name = true)
    UNION ALL BY NAME SELECT * FROM fs_configmgr_cols
), parsed AS (
    SELECT
        fs_clean("ResourceID") AS resource_id,
        coalesce(fs_clean("Name0"), fs_clean("Name")) AS name,
        coalesce(fs_bool("Client0"), false) AS client,
        coalesce(fs_bool("Obsolete0"), false) AS obsolete,
        fs_clean("Operating_System_Name_and0") AS os_name,
        fs_clean("Build01") AS build,
        fs_link_guid("AADDeviceID") AS aad_id,
        fs_serial("SerialNumber0") AS serial,
        fs_ts("LastActiveTime") AS last_active,
        fs_bool("MDMEnrolled") AS mdm_enrolled,
        fs_bool("ComgmtPolicyPresent") AS comgmt_policy,
        fs_bool("HybridAADJoined") AS hybrid_joined,
        fs_bool("AADJoined") AS aad_joined,
        fs_int("MDMWorkloads") AS workloads,
        fs_int("EnrollmentStatusCode") AS status_code
    FROM raw
)
SELECT *, fs_serial_key(serial) AS serial_key
FROM parsed
WHERE resource_id IS NOT NULL
  AND NOT obsolete                                             -- Obsolete0 = 1: set aside
  AND NOT contains(lower(coalesce(os_name, '')), 'server')     -- servers
  AND (os_name IS NULL OR contains(lower(os_name), 'windows')) -- other platforms
QUALIFY row_number() OVER (
    PARTITION BY resource_id
    ORDER BY last_active DESC NULLS LAST,
             ((name IS NOT NULL)::INT + (aad_id IS NOT NULL)::INT + (serial IS NOT NULL)::INT
              + (build IS NOT NULL)::INT + (mdm_enrolled IS NOT NULL)::INT
              + (workloads IS NOT NULL)::INT) DESC,
             concat_ws('|', name, client, aad_id, serial, build, mdm_enrolled, comgmt_policy,
                       hybrid_joined, aad_joined, workloads, status_code)) = 1;

CREATE OR REPLACE TEMP TABLE fs_autopilot AS
WITH raw AS (
    SELECT * FROM read_csv(getvariable('autopilot_csv'), header = true, all_varchar = true,
                           delim = ',', quote = '"', escape = '"', union_by_name = true)
    UNION ALL BY NAME SELECT * FROM fs_autopilot_cols
), parsed AS (
    SELECT
        fs_link_guid("id") AS id,
        fs_serial("Serial number") AS serial,
        fs_clean("Serial number") AS raw_serial,
        fs_clean("Group tag") AS group_tag,
        lower(replace(replace(fs_clean("Enrollment state"), ' ', ''), '_', '')) AS state,
        fs_link_guid("azureAdDeviceId") AS entra_id,
        fs_id("managedDeviceId") AS managed_device_id,
        fs_ts("Last contacted") AS last_contacted,
        fs_clean("User") AS upn,
        fs_clean("Device name") AS device_name
    FROM raw
)
SELECT * EXCLUDE (raw_serial), fs_serial_key(serial) AS serial_key,
       coalesce(id, fs_serial_key(serial)) AS sort_id
FROM parsed
WHERE raw_serial IS NOT NULL OR id IS NOT NULL
-- the same record twice: same id, or (rows without id) the same normalised serial
QUALIFY coalesce(id, fs_serial_key(serial)) IS NULL OR row_number() OVER (
    PARTITION BY coalesce(id, fs_serial_key(serial))
    ORDER BY last_contacted DESC NULLS LAST,
             ((group_tag IS NOT NULL)::INT + (upn IS NOT NULL)::INT + (state IS NOT NULL)::INT) DESC,
             concat_ws('|', serial, group_tag, state, upn)) = 1;

-- ---------------------------------------------------------------------------------------
-- Identity resolution (model.md section 1). A device is a group key `gkey`: the Entra
-- device id (whether or not the Entra export holds the object), else
-- entra-object:<objectId>, intune:<id>, configmgr:<ResourceID>, autopilot:<SERIAL>.
-- ---------------------------------------------------------------------------------------
-- Intune: by Entra device id, else a device of its own.
CREATE OR REPLACE TEMP TABLE fs_intune_l AS
SELECT *, coalesce(entra_id, 'intune:' || id) AS gkey FROM fs_intune;

-- The best Intune record per serial (tie-break: latest check-in, latest enrollment, id).
CREATE OR REPLACE TEMP TABLE fs_serial_best AS
SELECT serial_key, gkey FROM fs_intune_l
WHERE serial_key IS NOT NULL
QUALIFY row_number() OVER (
    PARTITION BY serial_key ORDER BY last_sync DESC NULLS LAST, enrolled DESC NULLS LAST, id) = 1;

-- Autopilot: managedDeviceId, Entra device id, serial; strongest first ([ZTDID] needs
-- Entra physicalIds, which no CSV carries).
CREATE OR REPLACE TEMP TABLE fs_autopilot_l AS
SELECT a.*,
       coalesce(im.gkey, a.entra_id, sb.gkey,
                'autopilot:' || coalesce(a.serial_key, a.id)) AS gkey
FROM fs_autopilot a
LEFT JOIN fs_intune_l im ON im.id = a.managed_device_id
LEFT JOIN fs_serial_best sb ON sb.serial_key = a.serial_key;

-- ConfigMgr: AADDeviceID, else serial (to Intune), else a unique ServerAd name.
CREATE OR REPLACE TEMP TABLE fs_configmgr_l AS
WITH serverad AS (
    SELECT lower(name) AS lname, any_value(gkey) AS gkey
    FROM fs_entra WHERE trust = 'ServerAd' AND name IS NOT NULL
    GROUP BY lower(name) HAVING count(*) = 1
)
SELECT c.*,
       coalesce(c.aad_id,
                CASE WHEN c.aad_id IS NULL THEN sb.gkey END,
                CASE WHEN c.aad_id IS NULL THEN sa.gkey END,
                'configmgr:' || c.resource_id) AS gkey
FROM fs_configmgr c
LEFT JOIN fs_serial_best sb ON sb.serial_key = c.serial_key
LEFT JOIN serverad sa ON sa.lname = lower(c.name);

-- ---------------------------------------------------------------------------------------
-- Primary records per device, and what classification reads from all records
-- ---------------------------------------------------------------------------------------
CREATE OR REPLACE TEMP TABLE fs_intune_p AS
SELECT *, count(*) OVER w AS n_records, max(last_sync) OVER w AS max_sync,
       bool_or(agent IS NOT DISTINCT FROM 'classic') OVER w AS any_classic
FROM fs_intune_l
WINDOW w AS (PARTITION BY gkey)
QUALIFY row_number() OVER (
    PARTITION BY gkey ORDER BY last_sync DESC NULLS LAST, enrolled DESC NULLS LAST, id) = 1;

CREATE OR REPLACE TEMP TABLE fs_configmgr_p AS
SELECT *, count(*) OVER w AS n_records, max(last_active) OVER w AS max_active,
       bool_or(client) OVER w AS any_client,
       bool_or(client AND aad_id IS NULL) OVER w AS any_client_no_aad
FROM fs_configmgr_l
WINDOW w AS (PARTITION BY gkey)
-- a live client is primary over a discovered-only record
QUALIFY row_number() OVER (
    PARTITION BY gkey ORDER BY client DESC, last_active DESC NULLS LAST, resource_id) = 1;

CREATE OR REPLACE TEMP TABLE fs_autopilot_p AS
SELECT *, count(*) OVER w AS n_records, bool_or(entra_id IS NOT NULL) OVER w AS carries_entra_id,
       -- FLT015: an Autopilot group tag of the policy's userless_group_tags (default)
       bool_or(lower(group_tag) IN ('kiosk', 'shared')) OVER w AS any_userless_tag,
       bool_or(state IN ('notcontacted', 'failed')) OVER w AS any_never_enrolled
FROM fs_autopilot_l
WINDOW w AS (PARTITION BY gkey)
QUALIFY row_number() OVER (
    PARTITION BY gkey ORDER BY last_contacted DESC NULLS LAST, sort_id) = 1;

-- ---------------------------------------------------------------------------------------
-- Classification (model.md section 2)
-- ---------------------------------------------------------------------------------------
CREATE OR REPLACE TEMP TABLE fs_device AS
WITH keys AS (
    SELECT gkey FROM fs_entra
    UNION SELECT gkey FROM fs_intune_p
    UNION SELECT gkey FROM fs_configmgr_p
    UNION SELECT gkey FROM fs_autopilot_p
)
SELECT
    k.gkey AS device_key,
    e.object_id IS NOT NULL OR e.device_id IS NOT NULL AS has_entra,
    i.id IS NOT NULL AS has_intune,
    c.resource_id IS NOT NULL AS has_configmgr,
    a.gkey IS NOT NULL AS has_autopilot,
    e.trust, e.registered, e.is_managed, e.is_compliant, e.enabled, e.mdm_app_id, e.mdm_name,
    e.ownership AS entra_ownership, e.profile_type, e.object_id AS entra_object_id,
    e.device_id AS entra_object_device_id, e.name AS entra_name, e.last_sign_in,
    e.os AS entra_os, e.os_version AS entra_os_version,
    i.id AS intune_id, i.agent, i.ownership AS intune_ownership, i.enrollment_type,
    i.join_type AS intune_join_type, i.autopilot_enrolled, i.entra_id AS intune_entra_id,
    i.name AS intune_name, i.serial AS intune_serial, i.serial_key AS intune_serial_key,
    i.compliance, i.last_sync AS intune_last_sync, i.enrolled AS intune_enrolled,
    coalesce(i.n_records, 0) AS intune_records, i.os_version AS intune_os_version,
    coalesce(i.any_classic, false) AS intune_any_classic, i.max_sync AS intune_max_sync,
    c.resource_id, c.client AS cm_client_row, c.mdm_enrolled, c.comgmt_policy,
    c.hybrid_joined AS cm_hybrid, c.aad_joined AS cm_aad_joined, c.workloads,
    c.status_code, c.aad_id AS cm_aad_id, c.os_name AS cm_os, c.build AS cm_build,
    c.name AS cm_name, c.serial AS cm_serial,
    coalesce(c.any_client, false) AS cm_any_client,
    coalesce(c.any_client_no_aad, false) AS cm_any_client_no_aad,
    a.state AS ap_state, a.group_tag, a.serial AS ap_serial, a.device_name AS ap_name,
    coalesce(a.carries_entra_id, false) AS ap_carries_entra_id,
    coalesce(a.any_userless_tag, false) AS ap_userless_tag,
    coalesce(a.any_never_enrolled, false) AS ap_never_enrolled,
    greatest(i.max_sync, e.last_sign_in, c.max_active) AS last_seen
FROM keys k
LEFT JOIN fs_entra e ON e.gkey = k.gkey
LEFT JOIN fs_intune_p i ON i.gkey = k.gkey
LEFT JOIN fs_configmgr_p c ON c.gkey = k.gkey
LEFT JOIN fs_autopilot_p a ON a.gkey = k.gkey;

CREATE OR REPLACE TEMP TABLE devices AS
WITH asof_t AS (
    -- as_of: the latest last_seen of any device (never the wall clock)
    SELECT max(last_seen) AS as_of FROM fs_device
), flags AS (
    SELECT d.*,
        coalesce(agent IN ('mdm', 'co_managed'), false) AS intune_mdm,
        coalesce(cm_client_row, false) OR coalesce(agent IN ('co_managed', 'configmgr'), false) AS cm_client,
        agent IS NOT DISTINCT FROM 'configmgr' AS tenant_attached,
        has_autopilot AS autopilot_registered,
        has_entra AND is_managed IS NOT DISTINCT FROM true
          AND ((mdm_app_id IS NOT NULL AND mdm_app_id <> '0000000a-0000-0000-c000-000000000000')
               OR (mdm_name IS NOT NULL AND NOT contains(lower(mdm_name), 'intune'))) AS other_mdm,
        CASE
            WHEN trust = 'AzureAd' THEN 'entra_joined'
            WHEN trust = 'ServerAd' AND registered IS NULL THEN 'hybrid_pending'
            WHEN trust = 'ServerAd' THEN 'hybrid_joined'
            WHEN trust = 'Workplace' THEN 'registered'
            WHEN intune_join_type IS NOT NULL THEN intune_join_type
            WHEN enrollment_type IN ('windowsAzureADJoin', 'windowsAzureADJoinUsingDeviceAuth',
                                     'windowsBulkAzureDomainJoin') THEN 'entra_joined'
            WHEN cm_hybrid THEN 'hybrid_joined'
            WHEN cm_aad_joined THEN 'entra_joined'
            WHEN entra_object_device_id IS NOT NULL OR intune_entra_id IS NOT NULL
                 OR cm_aad_id IS NOT NULL OR ap_carries_entra_id
                 -- a device keyed by a bare Entra device id: some record carries it
                 OR NOT contains(d.device_key, ':') THEN 'unknown'
            ELSE 'none' END AS join_type,
        t_asof.as_of
    FROM fs_device d, asof_t t_asof
), mgmt AS (
    SELECT *,
        CASE
            WHEN mdm_enrolled AND comgmt_policy THEN 'co_managed'
            WHEN agent = 'co_managed' THEN 'co_managed'
            WHEN cm_client AND intune_mdm THEN 'co_managed'
            WHEN intune_mdm THEN 'intune'
            WHEN cm_client THEN 'configmgr'
            WHEN agent = 'mde' THEN 'mde'
            WHEN other_mdm THEN 'other_mdm'
            ELSE 'none' END AS management
    FROM flags
), cls AS (
    SELECT *,
        CASE
            WHEN intune_ownership IS NOT NULL THEN intune_ownership
            WHEN entra_ownership IS NOT NULL THEN entra_ownership
            WHEN autopilot_registered OR cm_client
                 OR join_type IN ('entra_joined', 'hybrid_joined', 'hybrid_pending') THEN 'corporate'
            WHEN join_type = 'registered' THEN 'personal'
            ELSE 'unknown' END AS ownership,
        CASE
            WHEN intune_ownership IS NOT NULL THEN 'intune'
            WHEN entra_ownership IS NOT NULL THEN 'entra'
            ELSE 'inferred' END AS ownership_source,
        CASE
            WHEN NOT intune_mdm THEN 'none'
            WHEN enrollment_type IN ('windowsBulkUserless', 'windowsBulkAzureDomainJoin') THEN 'bulk'
            WHEN enrollment_type = 'deviceEnrollmentManager' THEN 'dem'
            WHEN autopilot_enrolled THEN 'autopilot'
            WHEN autopilot_registered AND join_type IN ('entra_joined', 'hybrid_joined')
                 AND (enrollment_type IS NULL
                      OR enrollment_type IN ('windowsAzureADJoin', 'windowsAzureADJoinUsingDeviceAuth'))
                 THEN 'autopilot'
            WHEN enrollment_type = 'windowsCoManagement' THEN 'co_management'
            WHEN management = 'co_managed' AND enrollment_type IS NULL THEN 'co_management'
            WHEN enrollment_type = 'windowsAutoEnrollment'
                 AND join_type IN ('hybrid_joined', 'hybrid_pending') THEN 'gpo'
            WHEN enrollment_type IN ('windowsAzureADJoin', 'windowsAzureADJoinUsingDeviceAuth') THEN 'entra_join'
            WHEN enrollment_type = 'windowsAutoEnrollment' AND join_type = 'entra_joined' THEN 'entra_join'
            WHEN enrollment_type = 'userEnrollment' THEN 'user_enrollment'
            WHEN enrollment_type = 'windowsAutoEnrollment' AND join_type = 'registered' THEN 'user_enrollment'
            WHEN intune_entra_id IS NULL AND NOT has_entra THEN 'mdm_only'
            ELSE 'unknown' END AS enrollment_method,
        CASE
            WHEN management = 'co_managed' THEN 'co_managed'
            WHEN join_type IN ('hybrid_pending', 'hybrid_joined', 'entra_joined', 'registered') THEN join_type
            WHEN join_type = 'none' AND intune_mdm AND intune_entra_id IS NULL THEN 'mdm_only'
            WHEN join_type = 'none' AND cm_client THEN 'configmgr_only'
            WHEN has_autopilot AND NOT has_entra AND NOT has_intune AND NOT has_configmgr THEN 'autopilot_only'
            WHEN join_type = 'unknown' THEN 'unknown'
            ELSE 'unmanaged' END AS state,
        coalesce(last_seen < as_of - to_days(greatest(coalesce(getvariable('stale_days'), 90), 21)::INT), false)
            AS stale,
        CASE WHEN management = 'co_managed' THEN
            concat_ws(';',
                CASE WHEN workloads & 2 = 2 THEN 'compliance' END,
                CASE WHEN workloads & 4 = 4 THEN 'resource_access' END,
                CASE WHEN workloads & 8 = 8 THEN 'device_configuration' END,
                CASE WHEN workloads & 16 = 16 THEN 'windows_update' END,
                CASE WHEN workloads & 32 = 32 OR workloads & 4128 = 4128 THEN 'endpoint_protection' END,
                CASE WHEN workloads & 64 = 64 THEN 'client_apps' END,
                CASE WHEN workloads & 128 = 128 THEN 'office_apps' END) END AS workloads_text,
        concat_ws('+',
            CASE WHEN has_entra THEN 'entra' END,
            CASE WHEN has_intune THEN 'intune' END,
            CASE WHEN has_configmgr THEN 'configmgr' END,
            CASE WHEN has_autopilot THEN 'autopilot' END) AS sources
    FROM mgmt
)
-- ---------------------------------------------------------------------------------------
-- Rules (rules.md) with the default policy, as far as the CSV forms show them
-- ---------------------------------------------------------------------------------------
, facts AS (
    SELECT *,
        -- FLT102 (second part): primary Intune records of different devices sharing a
        -- serial: every one but the latest (tie-break) fires
        intune_serial_key IS NOT NULL AND count(*) OVER ws > 1
          AND row_number() OVER (
                PARTITION BY intune_serial_key
                ORDER BY intune_last_sync DESC NULLS LAST, intune_enrolled DESC NULLS LAST, intune_id) > 1
          AS dup_serial_loser,
        -- FLT103 (second part): a Workplace object named like a ServerAd object
        trust = 'Workplace' AND lower(entra_name) IN (
            SELECT lower(name) FROM fs_entra WHERE trust = 'ServerAd' AND name IS NOT NULL)
          AS workplace_name_dup,
        -- FLT009: Windows older than 10, or Windows 10 below build 16299
        (cm_client AND cm_client_row
            AND fs_too_old(coalesce(cm_build, CASE WHEN contains(regexp_extract(cm_os, '(\S+)$', 1), '.')
                                                   THEN regexp_extract(cm_os, '(\S+)$', 1) END)))
          OR fs_too_old(entra_os_version) AS old_os,
        CASE WHEN fs_version_part(coalesce(intune_os_version, entra_os_version, cm_build), 1) = 10
             AND coalesce(fs_version_part(coalesce(intune_os_version, entra_os_version, cm_build), 3), 0) > 0
             THEN fs_version_part(coalesce(intune_os_version, entra_os_version, cm_build), 3) END
          AS win10_build,
        regexp_replace(lower(coalesce(compliance, '')), '[^a-z0-9]', '', 'g')
            IN ('noncompliant', 'notcompliant', '2')
          OR (is_compliant IS NOT DISTINCT FROM false AND is_managed IS NOT DISTINCT FROM true)
          AS noncompliant
    FROM cls
    WINDOW ws AS (PARTITION BY intune_serial_key)
), ruled AS (
    SELECT *,
        concat_ws(';',
            CASE WHEN ownership = 'personal' AND enrollment_method = 'bulk' THEN 'FLT001' END,
            CASE WHEN ownership = 'personal' AND autopilot_registered THEN 'FLT002' END,
            -- [byod] allow_join = false
            CASE WHEN ownership = 'personal' AND join_type IN ('entra_joined', 'hybrid_joined') THEN 'FLT003' END,
            -- [corporate] allowed_join_types = entra_joined, hybrid_joined
            CASE WHEN ownership = 'corporate' AND join_type = 'registered' THEN 'FLT004' END,
            CASE WHEN intune_mdm AND enrollment_method = 'mdm_only' THEN 'FLT005' END,
            CASE WHEN NOT intune_mdm AND other_mdm THEN 'FLT006' END,
            CASE WHEN enrollment_method = 'dem'
                      AND (join_type IN ('hybrid_joined', 'registered') OR autopilot_registered
                           OR management = 'co_managed') THEN 'FLT007' END,
            CASE WHEN enrollment_method = 'bulk' AND win10_build <= 16299 THEN 'FLT008' END,
            CASE WHEN old_os THEN 'FLT009' END,
            CASE WHEN NOT intune_mdm AND comgmt_policy AND mdm_enrolled = false
                      AND coalesce(status_code, 0) <> 0 THEN 'FLT010' END,
            CASE WHEN join_type = 'hybrid_pending' THEN 'FLT011' END,
            CASE WHEN cm_any_client_no_aad AND NOT has_entra THEN 'FLT012' END,
            CASE WHEN cm_any_client AND intune_any_classic THEN 'FLT013' END,
            -- FLT014 needs [byod] mdm = "app-protection-only" (default "allow")
            CASE WHEN ownership = 'personal'
                      AND (lower(profile_type) IS NOT DISTINCT FROM 'shared'
                           OR enrollment_type IS NOT DISTINCT FROM 'windowsBulkUserless'
                           OR ap_userless_tag) THEN 'FLT015' END,
            CASE WHEN ownership = 'corporate' AND join_type IN ('entra_joined', 'hybrid_joined')
                      AND management IN ('none', 'mde') AND last_seen IS NOT NULL THEN 'FLT016' END,
            CASE WHEN NOT intune_mdm AND comgmt_policy AND mdm_enrolled = false
                      AND coalesce(status_code, 0) = 0 THEN 'FLT017' END,
            CASE WHEN ownership = 'personal' AND enrollment_method = 'gpo' THEN 'FLT018' END,
            CASE WHEN stale THEN 'FLT101' END,
            CASE WHEN intune_records > 1 OR dup_serial_loser THEN 'FLT102' END,
            CASE WHEN workplace_name_dup THEN 'FLT103' END,
            CASE WHEN NOT has_entra AND intune_entra_id IS NOT NULL THEN 'FLT104' END,
            CASE WHEN has_entra AND is_managed IS NOT DISTINCT FROM true
                      AND (mdm_app_id IS NOT DISTINCT FROM '0000000a-0000-0000-c000-000000000000'
                           OR contains(lower(coalesce(mdm_name, '')), 'intune'))
                      AND intune_records = 0 THEN 'FLT105' END,
            CASE WHEN intune_ownership IS NOT NULL AND entra_ownership IS NOT NULL
                      AND intune_ownership <> entra_ownership THEN 'FLT106' END,
            CASE WHEN noncompliant AND management <> 'none' THEN 'FLT107' END,
            CASE WHEN NOT has_intune AND ap_never_enrolled THEN 'FLT108' END,
            CASE WHEN enabled IS NOT DISTINCT FROM false
                      AND intune_max_sync >= as_of - to_days(coalesce(getvariable('stale_days'), 90)::INT)
                      THEN 'FLT109' END
        ) AS findings
    FROM facts
)
SELECT
    device_key,
    fs_csv_safe(coalesce(intune_name, entra_name, cm_name, ap_name)) AS device_name,
    state, join_type, management, ownership, ownership_source, enrollment_method,
    autopilot_registered, stale,
    strftime(last_seen, '%Y-%m-%dT%H:%M:%SZ') AS last_seen,
    entra_object_id,
    intune_id AS intune_device_id,
    resource_id AS configmgr_resource_id,
    fs_csv_safe(coalesce(intune_serial, cm_serial, ap_serial)) AS serial_number,
    sources,
    nullif(findings, '') AS findings,
    CASE WHEN regexp_matches(findings, 'FLT00[1248]|FLT01[0368]') THEN 'error'
         WHEN regexp_matches(findings, 'FLT00[35679]|FLT01[125]|FLT10[1-6]') THEN 'warning'
         WHEN findings <> '' THEN 'info' END AS max_severity,
    coalesce(tenant_attached, false) AS tenant_attached,
    nullif(workloads_text, '') AS workloads
FROM ruled;
