-- fleetstate: the Configuration Manager export (inputs.md section 3).
-- Run against the site database (SQL Server Management Studio, Invoke-Sqlcmd, or a
-- report), and save the result as CSV with a header row. Column names may keep or drop
-- the SQL `0` suffix (Name0 = Name); SQL `NULL` literals are read as "no value".
--
--   Invoke-Sqlcmd -ServerInstance SQL01 -Database CM_ABC -InputFile configmgr-query.sql |
--     Export-Csv configmgr-devices.csv -NoTypeInformation -Encoding UTF8
--
-- Obsolete records (Obsolete0 = 1) are counted and set aside by fleetstate; keep them in
-- the export so the counts add up. MDMWorkloads is a bitmask and EnrollmentStatusCode a
-- decimal HRESULT (negative when the column is signed): fleetstate decodes both.
SELECT sys.ResourceID,
       sys.Name0,
       sys.Client0,
       sys.Active0,
       sys.Obsolete0,
       sys.Operating_System_Name_and0,
       sys.Build01,
       sys.AADDeviceID,
       sys.SMBIOS_GUID0,
       bios.SerialNumber0,
       cs.LastActiveTime,
       cm.MDMEnrolled,
       cm.ComgmtPolicyPresent,
       cm.HybridAADJoined,
       cm.AADJoined,
       cm.MDMWorkloads,
       cm.EnrollmentStatusCode
FROM v_R_System sys
LEFT JOIN v_GS_PC_BIOS bios ON bios.ResourceID = sys.ResourceID
LEFT JOIN v_CH_ClientSummary cs ON cs.ResourceID = sys.ResourceID
LEFT JOIN v_ClientCoManagementState cm ON cm.ResourceID = sys.ResourceID
