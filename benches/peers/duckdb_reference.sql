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
-- Scope: the four CSV forms `fleetstate sample` writes at the top of its folder (UTF-8 with
-- or without BOM, `,`-delimited), with the column aliases of inputs.md for the Intune,
-- Entra (current and older header) and ConfigMgr (`Name0`/`Name`, ...) columns it uses.
--
-- NOT modelled: Graph JSON, the Intune raw report and diagnostic log, UTF-16, `;`/tab
-- delimiters, `#TYPE` lines, repeated header rows, rejected rows and row accounting;
-- slash dates (M/D/YYYY, D/M/YYYY, D.M.YYYY: try_cast gives none); Entra physicalIds, so
-- no [ZTDID] link, no Autopilot placeholder objects (recognised only from Graph JSON, in
-- fleetstate too) and no [HWID] duplicates (FLT103's first half); the links by Autopilot
-- managedDeviceId / azureAdDeviceId run only when those columns are present (never in the
-- blade CSV); conflict warnings and the descriptive columns other than device_name,
-- serial_number and the record ids; policy files (the default policy is built in, only
-- stale_days is a variable); the duplicate tie-break's last step ("byte-smallest
-- normalised row") is approximated by the concatenated parsed fields.

SET TimeZone = 'UTC';

-- ---------------------------------------------------------------------------------------
-- The rule catalogue (rules.md): code, name, severity, for findings.csv
-- ---------------------------------------------------------------------------------------
CREATE OR REPLACE TEMP TABLE fs_rules (rule VARCHAR, name VARCHAR, severity VARCHAR);
INSERT INTO fs_rules VALUES
    ('FLT001', 'personal-device-bulk-enrolled', 'error'),
    ('FLT002', 'personal-device-in-autopilot', 'error'),
    ('FLT003', 'personal-device-joined', 'warning'),
    ('FLT004', 'corporate-device-only-registered', 'error'),
    ('FLT005', 'mdm-only-enrollment', 'warning'),
    ('FLT006', 'managed-by-another-mdm', 'warning'),
    ('FLT007', 'dem-enrollment-on-unsupported-path', 'warning'),
    ('FLT008', 'bulk-enrolled-without-conditional-access', 'warning'),
    ('FLT009', 'os-too-old-for-cloud-management', 'warning'),
    ('FLT010', 'comanagement-enrollment-failed', 'error'),
    ('FLT011', 'hybrid-join-pending', 'warning'),
    ('FLT012', 'configmgr-client-not-in-entra', 'warning'),
    ('FLT013', 'comanaged-via-classic-agent', 'error'),
    ('FLT014', 'personal-device-mdm-enrolled', 'info'),
    ('FLT015', 'shared-device-marked-personal', 'warning'),
    ('FLT016', 'corporate-device-not-managed', 'error'),
    ('FLT017', 'comanagement-enrollment-scheduled', 'info'),
    ('FLT018', 'personal-device-gpo-enrolled', 'error'),
    ('FLT101', 'stale-device', 'warning'),
    ('FLT102', 'duplicate-intune-records', 'warning'),
    ('FLT103', 'duplicate-entra-objects', 'warning'),
    ('FLT104', 'intune-record-without-entra-object', 'warning'),
    ('FLT105', 'entra-managed-without-intune-record', 'warning'),
    ('FLT106', 'ownership-disagrees-between-sources', 'warning'),
    ('FLT107', 'noncompliant-device', 'info'),
    ('FLT108', 'autopilot-device-never-enrolled', 'info'),
    ('FLT109', 'disabled-entra-object-still-enrolled', 'info');

-- ---------------------------------------------------------------------------------------
-- Cell parsers (inputs.md section 5)
-- ---------------------------------------------------------------------------------------
-- Each reader first cleans every cell it uses once (fs_clean), and turns GUID cells into
-- their normalised text once (fs_guid_text); the parsers below take those values.
-- Empty, white space and SQL `NULL` (any case) are "no value".
CREATE OR REPLACE TEMP MACRO fs_clean(x) AS
    CASE WHEN upper(trim(x)) IN ('', 'NULL') THEN NULL ELSE trim(x) END;
-- GUIDs: lower case, braces stripped (of a cleaned cell).
CREATE OR REPLACE TEMP MACRO fs_guid_text(c) AS
    lower(CASE WHEN c LIKE '{%}' THEN c[2:-2] ELSE c END);
CREATE OR REPLACE TEMP MACRO fs_is_guid(g) AS
    regexp_full_match(g, '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}');
-- A GUID link column: the all-zero GUID and anything that is no GUID are "none".
CREATE OR REPLACE TEMP MACRO fs_link_guid(g) AS
    CASE WHEN fs_is_guid(g) AND g <> '00000000-0000-0000-0000-000000000000' THEN g END;
-- Record ids (Intune Device ID, Entra objectId): a GUID is normalised, anything else kept
-- as cleaned (c: the cleaned cell, g: its fs_guid_text).
CREATE OR REPLACE TEMP MACRO fs_id(c, g) AS CASE WHEN fs_is_guid(g) THEN g ELSE c END;
-- Timestamps: ISO-8601 with space or T, 0-9 fraction digits, Z/offset/none (= UTC);
-- `Pending` and the 0001-01-01 / 9999-12-31 sentinels are "none". Values with an offset
-- go through TIMESTAMPTZ (TimeZone is UTC), the others through the cheaper TIMESTAMP.
CREATE OR REPLACE TEMP MACRO fs_ts(c) AS
    CASE WHEN left(c, 4) IN ('0000', '0001', '9999') THEN NULL
         WHEN c[-6] IN ('+', '-') OR c[-5] IN ('+', '-') OR c[-3] IN ('+', '-')
              THEN try_cast(try_cast(c AS TIMESTAMPTZ) AS TIMESTAMP)
         ELSE try_cast(c AS TIMESTAMP) END;
CREATE OR REPLACE TEMP MACRO fs_bool(c) AS
    CASE lower(c)
        WHEN 'true' THEN true WHEN 'yes' THEN true WHEN '1' THEN true WHEN '-1' THEN true
        WHEN 'false' THEN false WHEN 'no' THEN false WHEN '0' THEN false END;
CREATE OR REPLACE TEMP MACRO fs_int(c) AS
    coalesce(try_cast(c AS BIGINT), try_cast(try_cast(c AS DOUBLE) AS BIGINT));
-- Serial numbers: trimmed, placeholders are "none"; compared without white space, upper case.
CREATE OR REPLACE TEMP MACRO fs_serial(c) AS
    CASE WHEN lower(c) IN ('to be filled by o.e.m.', 'default string',
              'system serial number', 'not specified', 'none', 'n/a', '0', '123456789',
              '0123456789') THEN NULL
         ELSE c END;
CREATE OR REPLACE TEMP MACRO fs_serial_key(s) AS upper(regexp_replace(s, '\s', '', 'g'));
-- Out of scope (model.md section 0): 'platform', 'server' or NULL (in scope).
CREATE OR REPLACE TEMP MACRO fs_scope(os, sku) AS
    CASE WHEN os IS NOT NULL AND NOT (lower(os) LIKE 'windows%' OR lower(os) LIKE 'microsoft windows%')
              THEN 'platform'
         WHEN contains(lower(coalesce(os, '')), 'server') OR contains(lower(coalesce(sku, '')), 'server')
              THEN 'server' END;
-- Windows versions (`6.1.7601`, `10.0.19045.1`) as the list of their parts: part 1 and 2
-- must be integers, a missing or non-numeric third part is 0.
CREATE OR REPLACE TEMP MACRO fs_ver_major(l) AS
    CASE WHEN try_cast(trim(l[2]) AS BIGINT) IS NOT NULL THEN try_cast(trim(l[1]) AS BIGINT) END;
CREATE OR REPLACE TEMP MACRO fs_ver_build(l) AS coalesce(try_cast(trim(l[3]) AS BIGINT), 0);
-- FLT009: older than Windows 10, or Windows 10 below build 16299 (1709).
CREATE OR REPLACE TEMP MACRO fs_too_old(l) AS coalesce(
    fs_ver_major(l) < 10 OR (fs_ver_major(l) = 10 AND fs_ver_build(l) BETWEEN 1 AND 16298), false);
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
    "deviceOwnership" VARCHAR,
    -- the older "preview" header
    "deviceOSType" VARCHAR, "deviceOSVersion" VARCHAR, "approximateLastLogonTimeStamp" VARCHAR);
CREATE OR REPLACE TEMP TABLE fs_configmgr_cols (
    "ResourceID" VARCHAR, "Name0" VARCHAR, "Name" VARCHAR, "Client0" VARCHAR, "Client" VARCHAR,
    "Obsolete0" VARCHAR, "Obsolete" VARCHAR, "Operating_System_Name_and0" VARCHAR,
    "Operating_System_Name_and" VARCHAR, "Build01" VARCHAR, "Build0" VARCHAR, "Build" VARCHAR,
    "AADDeviceID" VARCHAR, "SerialNumber0" VARCHAR, "SerialNumber" VARCHAR, "LastActiveTime" VARCHAR,
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
), c AS (
    SELECT
        fs_clean("Device ID") AS id_c,
        fs_guid_text(fs_clean("Device ID")) AS id_g,
        fs_clean("Device name") AS name,
        fs_guid_text(coalesce(fs_clean("Azure AD Device ID"), fs_clean("Microsoft Entra Device ID"))) AS entra_g,
        lower(coalesce(fs_clean("Managed by"), fs_clean("ManagementAgents"))) AS managed_by,
        lower(fs_clean("Ownership")) AS ownership_raw,
        lower(fs_clean("EnrollmentType")) AS enrollment_raw,
        lower(fs_clean("JoinType")) AS join_raw,
        fs_clean("autopilotEnrolled") AS autopilot_enrolled,
        fs_clean("OS") AS os,
        fs_clean("OS version") AS os_version,
        fs_clean("SkuFamily") AS sku,
        fs_clean("Serial number") AS serial,
        fs_clean("Compliance") AS compliance,
        fs_clean("Enrollment date") AS enrolled,
        fs_clean("Last check-in") AS last_sync
    FROM raw
), parsed AS (
    SELECT * REPLACE (fs_bool(autopilot_enrolled) AS autopilot_enrolled, fs_serial(serial) AS serial,
                      fs_ts(enrolled) AS enrolled, fs_ts(last_sync) AS last_sync),
        fs_id(id_c, id_g) AS id,
        fs_link_guid(entra_g) AS entra_id
    FROM c
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
    -- the device: by Entra device id, else a device of its own (identity resolution below)
    coalesce(entra_id, 'intune:' || id) AS gkey,
    true AS is_primary,
    (name IS NOT NULL)::INT + (entra_id IS NOT NULL)::INT + (managed_by IS NOT NULL)::INT
      + (ownership_raw IS NOT NULL)::INT + (enrollment_raw IS NOT NULL)::INT
      + (join_raw IS NOT NULL)::INT + (os IS NOT NULL)::INT + (sku IS NOT NULL)::INT
      + (serial IS NOT NULL)::INT + (compliance IS NOT NULL)::INT + (enrolled IS NOT NULL)::INT
      + (last_sync IS NOT NULL)::INT AS non_empty
FROM parsed
WHERE id IS NOT NULL                       -- required column: else the row is rejected
  AND fs_scope(os, sku) IS NULL;

-- The same record twice (same id): keep the latest activity, then the most non-empty
-- fields, then the smallest row. The window runs over the repeated ids only.
DELETE FROM fs_intune WHERE rowid IN (
    SELECT rowid FROM fs_intune
    WHERE id IN (SELECT id FROM fs_intune GROUP BY id HAVING count(*) > 1)
    QUALIFY row_number() OVER (
        PARTITION BY id
        ORDER BY last_sync DESC NULLS LAST, non_empty DESC,
                 concat_ws('|', name, entra_id, agent, ownership, enrollment_type, join_type,
                           serial, compliance, enrolled, os, sku)) > 1);

CREATE OR REPLACE TEMP TABLE fs_entra AS
WITH raw AS (
    SELECT * FROM read_csv(getvariable('entra_csv'), header = true, all_varchar = true,
                           delim = ',', quote = '"', escape = '"', union_by_name = true)
    UNION ALL BY NAME SELECT * FROM fs_entra_cols
), c AS (
    SELECT
        fs_clean("objectId") AS object_c,
        fs_guid_text(fs_clean("objectId")) AS object_g,
        fs_guid_text(fs_clean("deviceId")) AS device_g,
        fs_clean("displayName") AS name,
        lower(coalesce(fs_clean("joinType (trustType)"), fs_clean("deviceTrustType"))) AS trust_raw,
        fs_clean("isManaged") AS is_managed,
        fs_clean("isCompliant") AS is_compliant,
        fs_clean("accountEnabled") AS enabled,
        lower(fs_clean("mdmAppId")) AS mdm_app_id,
        fs_clean("mdmDisplayName") AS mdm_name,
        lower(fs_clean("deviceOwnership")) AS ownership_raw,
        coalesce(fs_clean("operatingSystem"), fs_clean("deviceOSType")) AS os,
        coalesce(fs_clean("operatingSystemVersion"), fs_clean("deviceOSVersion")) AS os_version,
        fs_clean("profileType") AS profile_type,
        fs_clean("registrationTime") AS registered,
        coalesce(fs_clean("approximateLastSignInDateTime"), fs_clean("approximateLastLogonTimeStamp")) AS last_sign_in
    FROM raw
), parsed AS (
    SELECT * EXCLUDE (object_c, object_g, device_g)
             REPLACE (fs_bool(is_managed) AS is_managed, fs_bool(is_compliant) AS is_compliant,
                      fs_bool(enabled) AS enabled, fs_ts(registered) AS registered,
                      fs_ts(last_sign_in) AS last_sign_in),
        fs_id(object_c, object_g) AS object_id,
        fs_link_guid(device_g) AS device_id
    FROM c
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
          + (object_id IS NOT NULL)::INT + (device_id IS NOT NULL)::INT AS non_empty
    FROM parsed
    WHERE (object_id IS NOT NULL OR device_id IS NOT NULL)
      AND fs_scope(os, NULL) IS NULL
)
SELECT * EXCLUDE (trust_raw, ownership_raw),
       -- the device this object anchors
       coalesce(device_id, 'entra-object:' || object_id) AS gkey
FROM typed;

-- The same object twice (same objectId), then two objects claiming one device id (that
-- would make two devices with one key): one is kept, as for Intune.
DELETE FROM fs_entra WHERE rowid IN (
    SELECT rowid FROM fs_entra
    WHERE object_id IN (SELECT object_id FROM fs_entra GROUP BY object_id HAVING count(*) > 1)
    QUALIFY row_number() OVER (
        PARTITION BY object_id ORDER BY last_sign_in DESC NULLS LAST, non_empty DESC,
                 concat_ws('|', object_id, device_id, name, trust, is_managed, mdm_name, os,
                           registered, last_sign_in)) > 1);
DELETE FROM fs_entra WHERE rowid IN (
    SELECT rowid FROM fs_entra
    WHERE device_id IN (SELECT device_id FROM fs_entra GROUP BY device_id HAVING count(*) > 1)
    QUALIFY row_number() OVER (
        PARTITION BY device_id ORDER BY last_sign_in DESC NULLS LAST, non_empty DESC,
                 concat_ws('|', object_id, device_id, name, trust, is_managed, mdm_name, os,
                           registered, last_sign_in)) > 1);

CREATE OR REPLACE TEMP TABLE fs_configmgr AS
WITH raw AS (
    SELECT * FROM read_csv(getvariable('configmgr_csv'), header = true, all_varchar = true,
                           delim = ',', quote = '"', escape = '"', union_by_name = true)
    UNION ALL BY NAME SELECT * FROM fs_configmgr_cols
), c AS (
    SELECT
        fs_clean("ResourceID") AS resource_id,
        coalesce(fs_clean("Name0"), fs_clean("Name")) AS name,
        coalesce(fs_clean("Client0"), fs_clean("Client")) AS client,
        coalesce(fs_clean("Obsolete0"), fs_clean("Obsolete")) AS obsolete,
        coalesce(fs_clean("Operating_System_Name_and0"), fs_clean("Operating_System_Name_and")) AS os_name,
        coalesce(fs_clean("Build01"), fs_clean("Build0"), fs_clean("Build")) AS build,
        fs_guid_text(fs_clean("AADDeviceID")) AS aad_g,
        coalesce(fs_clean("SerialNumber0"), fs_clean("SerialNumber")) AS serial,
        fs_clean("LastActiveTime") AS last_active,
        fs_clean("MDMEnrolled") AS mdm_enrolled,
        fs_clean("ComgmtPolicyPresent") AS comgmt_policy,
        fs_clean("HybridAADJoined") AS hybrid_joined,
        fs_clean("AADJoined") AS aad_joined,
        fs_clean("MDMWorkloads") AS workloads,
        fs_clean("EnrollmentStatusCode") AS status_code
    FROM raw
), parsed AS (
    SELECT * EXCLUDE (aad_g)
             REPLACE (coalesce(fs_bool(client), false) AS client,
                      coalesce(fs_bool(obsolete), false) AS obsolete,
                      fs_serial(serial) AS serial, fs_ts(last_active) AS last_active,
                      fs_bool(mdm_enrolled) AS mdm_enrolled, fs_bool(comgmt_policy) AS comgmt_policy,
                      fs_bool(hybrid_joined) AS hybrid_joined, fs_bool(aad_joined) AS aad_joined,
                      fs_int(workloads) AS workloads, fs_int(status_code) AS status_code),
        fs_link_guid(aad_g) AS aad_id
    FROM c
)
SELECT *, fs_serial_key(serial) AS serial_key
FROM parsed
WHERE resource_id IS NOT NULL
  AND NOT obsolete                                             -- Obsolete0 = 1: set aside
  AND NOT contains(lower(coalesce(os_name, '')), 'server')     -- servers
  AND (os_name IS NULL OR contains(lower(os_name), 'windows')); -- other platforms

-- The same ResourceID twice: the latest LastActiveTime, then the most non-empty fields.
DELETE FROM fs_configmgr WHERE rowid IN (
    SELECT rowid FROM fs_configmgr
    WHERE resource_id IN (SELECT resource_id FROM fs_configmgr GROUP BY resource_id HAVING count(*) > 1)
    QUALIFY row_number() OVER (
        PARTITION BY resource_id
        ORDER BY last_active DESC NULLS LAST,
                 ((name IS NOT NULL)::INT + (aad_id IS NOT NULL)::INT + (serial IS NOT NULL)::INT
                  + (build IS NOT NULL)::INT + (mdm_enrolled IS NOT NULL)::INT
                  + (workloads IS NOT NULL)::INT) DESC,
                 concat_ws('|', name, client, aad_id, serial, build, mdm_enrolled, comgmt_policy,
                           hybrid_joined, aad_joined, workloads, status_code)) > 1);

CREATE OR REPLACE TEMP TABLE fs_autopilot AS
WITH raw AS (
    SELECT * FROM read_csv(getvariable('autopilot_csv'), header = true, all_varchar = true,
                           delim = ',', quote = '"', escape = '"', union_by_name = true)
    UNION ALL BY NAME SELECT * FROM fs_autopilot_cols
), c AS (
    SELECT
        fs_guid_text(fs_clean("id")) AS id_g,
        fs_clean("Serial number") AS raw_serial,
        fs_clean("Group tag") AS group_tag,
        lower(replace(replace(fs_clean("Enrollment state"), ' ', ''), '_', '')) AS state,
        fs_guid_text(fs_clean("azureAdDeviceId")) AS entra_g,
        fs_clean("managedDeviceId") AS managed_c,
        fs_guid_text(fs_clean("managedDeviceId")) AS managed_g,
        fs_clean("Last contacted") AS last_contacted,
        fs_clean("User") AS upn,
        fs_clean("Device name") AS device_name
    FROM raw
), parsed AS (
    SELECT * EXCLUDE (id_g, entra_g, managed_c, managed_g)
             REPLACE (fs_ts(last_contacted) AS last_contacted),
        fs_link_guid(id_g) AS id,
        fs_serial(raw_serial) AS serial,
        fs_link_guid(entra_g) AS entra_id,
        -- managedDeviceId: the all-zero GUID is none
        CASE WHEN managed_g <> '00000000-0000-0000-0000-000000000000'
             THEN fs_id(managed_c, managed_g) END AS managed_device_id
    FROM c
)
SELECT * EXCLUDE (raw_serial), fs_serial_key(serial) AS serial_key,
       coalesce(id, fs_serial_key(serial)) AS sort_id
FROM parsed
WHERE raw_serial IS NOT NULL OR id IS NOT NULL;

-- The same record twice: same id, or (rows without id) the same normalised serial.
DELETE FROM fs_autopilot WHERE rowid IN (
    SELECT rowid FROM fs_autopilot
    WHERE sort_id IN (SELECT sort_id FROM fs_autopilot GROUP BY sort_id HAVING count(*) > 1)
    QUALIFY row_number() OVER (
        PARTITION BY sort_id
        ORDER BY last_contacted DESC NULLS LAST,
                 ((group_tag IS NOT NULL)::INT + (upn IS NOT NULL)::INT + (state IS NOT NULL)::INT) DESC,
                 concat_ws('|', serial, group_tag, state, upn)) > 1);

-- ---------------------------------------------------------------------------------------
-- Identity resolution (model.md section 1). A device is a group key `gkey`: the Entra
-- device id (whether or not the Entra export holds the object), else
-- entra-object:<objectId>, intune:<id>, configmgr:<ResourceID>, autopilot:<SERIAL>.
-- ---------------------------------------------------------------------------------------
-- Intune: by Entra device id, else a device of its own (fs_intune.gkey).

-- The best Intune record per serial (tie-break: latest check-in, latest enrollment, id).
CREATE OR REPLACE TEMP TABLE fs_serial_best AS
SELECT serial_key, gkey, last_sync, enrolled, id FROM fs_intune WHERE serial_key IS NOT NULL;
DELETE FROM fs_serial_best WHERE rowid IN (
    SELECT rowid FROM fs_serial_best
    WHERE serial_key IN (SELECT serial_key FROM fs_serial_best GROUP BY serial_key HAVING count(*) > 1)
    QUALIFY row_number() OVER (
        PARTITION BY serial_key ORDER BY last_sync DESC NULLS LAST, enrolled DESC NULLS LAST, id) > 1);

-- Autopilot: managedDeviceId, Entra device id, serial; strongest first ([ZTDID] needs
-- Entra physicalIds, which no CSV carries).
CREATE OR REPLACE TEMP TABLE fs_autopilot_l AS
SELECT a.*, true AS is_primary,
       coalesce(im.gkey, a.entra_id, sb.gkey,
                'autopilot:' || coalesce(a.serial_key, a.id)) AS gkey
FROM fs_autopilot a
LEFT JOIN fs_intune im ON im.id = a.managed_device_id
LEFT JOIN fs_serial_best sb ON sb.serial_key = a.serial_key;

-- ConfigMgr: AADDeviceID, else serial (to Intune), else a unique ServerAd name.
CREATE OR REPLACE TEMP TABLE fs_configmgr_l AS
WITH serverad AS (
    SELECT lower(name) AS lname, any_value(gkey) AS gkey
    FROM fs_entra WHERE trust = 'ServerAd' AND name IS NOT NULL
    GROUP BY lower(name) HAVING count(*) = 1
)
SELECT c.*, true AS is_primary,
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
-- Devices with several records of one source (rare): what is read from all of them, and
-- the primary by the tie-break; the others get is_primary = false.
CREATE OR REPLACE TEMP TABLE fs_intune_g AS
SELECT gkey, count(*) AS n_records, max(last_sync) AS max_sync,
       bool_or(agent IS NOT DISTINCT FROM 'classic') AS any_classic
FROM fs_intune GROUP BY gkey HAVING count(*) > 1;
UPDATE fs_intune SET is_primary = false WHERE rowid IN (
    SELECT rowid FROM fs_intune WHERE gkey IN (SELECT gkey FROM fs_intune_g)
    QUALIFY row_number() OVER (PARTITION BY gkey ORDER BY last_sync DESC NULLS LAST, enrolled DESC NULLS LAST, id) > 1);

CREATE OR REPLACE TEMP TABLE fs_configmgr_g AS
SELECT gkey, count(*) AS n_records, max(last_active) AS max_active,
       bool_or(client) AS any_client, bool_or(client AND aad_id IS NULL) AS any_client_no_aad
FROM fs_configmgr_l GROUP BY gkey HAVING count(*) > 1;
UPDATE fs_configmgr_l SET is_primary = false WHERE rowid IN (
    SELECT rowid FROM fs_configmgr_l WHERE gkey IN (SELECT gkey FROM fs_configmgr_g)
    -- a live client is primary over a discovered-only record
    QUALIFY row_number() OVER (PARTITION BY gkey ORDER BY client DESC, last_active DESC NULLS LAST, resource_id) > 1);

CREATE OR REPLACE TEMP TABLE fs_autopilot_g AS
SELECT gkey, count(*) AS n_records, bool_or(entra_id IS NOT NULL) AS carries_entra_id,
       bool_or(lower(group_tag) IN ('kiosk', 'shared')) AS any_userless_tag,
       bool_or(state IN ('notcontacted', 'failed')) AS any_never_enrolled
FROM fs_autopilot_l GROUP BY gkey HAVING count(*) > 1;
UPDATE fs_autopilot_l SET is_primary = false WHERE rowid IN (
    SELECT rowid FROM fs_autopilot_l WHERE gkey IN (SELECT gkey FROM fs_autopilot_g)
    QUALIFY row_number() OVER (PARTITION BY gkey ORDER BY last_contacted DESC NULLS LAST, sort_id) > 1);

-- FLT102 (second part): primary Intune records of different devices sharing a serial:
-- every one but the latest (tie-break) fires.
CREATE OR REPLACE TEMP TABLE fs_serial_dup AS
SELECT gkey FROM fs_intune
WHERE is_primary
  AND serial_key IN (SELECT serial_key FROM fs_intune WHERE is_primary AND serial_key IS NOT NULL
                     GROUP BY serial_key HAVING count(*) > 1)
QUALIFY row_number() OVER (
    PARTITION BY serial_key ORDER BY last_sync DESC NULLS LAST, enrolled DESC NULLS LAST, id) > 1;

-- ---------------------------------------------------------------------------------------
-- Classification (model.md section 2)
-- ---------------------------------------------------------------------------------------
CREATE OR REPLACE TEMP TABLE fs_device AS
WITH keys AS (
    SELECT gkey FROM fs_entra
    UNION SELECT gkey FROM fs_intune
    UNION SELECT gkey FROM fs_configmgr_l
    UNION SELECT gkey FROM fs_autopilot_l
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
    i.name AS intune_name, i.serial AS intune_serial,
    i.compliance,
    CASE WHEN i.id IS NULL THEN 0 ELSE coalesce(ig.n_records, 1) END AS intune_records,
    i.os_version AS intune_os_version,
    coalesce(ig.any_classic, i.agent IS NOT DISTINCT FROM 'classic') AS intune_any_classic,
    coalesce(ig.max_sync, i.last_sync) AS intune_max_sync,
    c.resource_id, c.client AS cm_client_row, c.mdm_enrolled, c.comgmt_policy,
    c.hybrid_joined AS cm_hybrid, c.aad_joined AS cm_aad_joined, c.workloads,
    c.status_code, c.aad_id AS cm_aad_id, c.os_name AS cm_os, c.build AS cm_build,
    c.name AS cm_name, c.serial AS cm_serial,
    coalesce(cg.any_client, c.client, false) AS cm_any_client,
    coalesce(cg.any_client_no_aad, c.client AND c.aad_id IS NULL, false) AS cm_any_client_no_aad,
    a.state AS ap_state, a.group_tag, a.serial AS ap_serial, a.device_name AS ap_name,
    coalesce(ag.carries_entra_id, a.entra_id IS NOT NULL, false) AS ap_carries_entra_id,
    coalesce(ag.any_userless_tag, lower(a.group_tag) IN ('kiosk', 'shared'), false) AS ap_userless_tag,
    coalesce(ag.any_never_enrolled, a.state IN ('notcontacted', 'failed'), false) AS ap_never_enrolled,
    greatest(coalesce(ig.max_sync, i.last_sync), e.last_sign_in, coalesce(cg.max_active, c.last_active)) AS last_seen,
    k.gkey IN (SELECT gkey FROM fs_serial_dup) AS dup_serial_loser
FROM keys k
LEFT JOIN fs_entra e ON e.gkey = k.gkey
LEFT JOIN (SELECT * FROM fs_intune WHERE is_primary) i ON i.gkey = k.gkey
LEFT JOIN (SELECT * FROM fs_configmgr_l WHERE is_primary) c ON c.gkey = k.gkey
LEFT JOIN (SELECT * FROM fs_autopilot_l WHERE is_primary) a ON a.gkey = k.gkey
LEFT JOIN fs_intune_g ig ON ig.gkey = k.gkey
LEFT JOIN fs_configmgr_g cg ON cg.gkey = k.gkey
LEFT JOIN fs_autopilot_g ag ON ag.gkey = k.gkey;

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
        -- FLT103 (second part): a Workplace object named like a ServerAd object
        trust = 'Workplace' AND lower(entra_name) IN (
            SELECT lower(name) FROM fs_entra WHERE trust = 'ServerAd' AND name IS NOT NULL)
          AS workplace_name_dup,
        -- FLT009: Windows older than 10, or Windows 10 below build 16299
        (cm_client AND cm_client_row AND fs_too_old(cm_ver)) OR fs_too_old(entra_ver) AS old_os,
        -- FLT008: the Windows 10 build of the device's os_version
        CASE WHEN fs_ver_major(os_ver) = 10 AND fs_ver_build(os_ver) > 0
             THEN fs_ver_build(os_ver) END AS win10_build,
        regexp_replace(lower(coalesce(compliance, '')), '[^a-z0-9]', '', 'g')
            IN ('noncompliant', 'notcompliant', '2')
          OR (is_compliant IS NOT DISTINCT FROM false AND is_managed IS NOT DISTINCT FROM true)
          AS noncompliant
    FROM (
        SELECT *,
            string_split(trim(entra_os_version), '.') AS entra_ver,
            -- ConfigMgr Build01, else the version in the OS name (`NT Workstation 6.1`)
            string_split(trim(coalesce(cm_build,
                CASE WHEN contains(regexp_extract(cm_os, '(\S+)$', 1), '.')
                     THEN regexp_extract(cm_os, '(\S+)$', 1) END)), '.') AS cm_ver,
            string_split(trim(coalesce(intune_os_version, entra_os_version, cm_build)), '.') AS os_ver
        FROM cls)
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
    CASE WHEN regexp_matches(findings, 'FLT00[124]|FLT01[0368]') THEN 'error'
         WHEN regexp_matches(findings, 'FLT00[356789]|FLT01[125]|FLT10[1-6]') THEN 'warning'
         WHEN findings <> '' THEN 'info' END AS max_severity,
    coalesce(tenant_attached, false) AS tenant_attached,
    nullif(workloads_text, '') AS workloads
FROM ruled;
