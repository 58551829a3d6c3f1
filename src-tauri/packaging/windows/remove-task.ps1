# HallQ: stops the hall server's scheduled task "HallQ", removes it and its
# firewall rule. The hall's data in %ProgramData%\HallQ (the database and its
# backups) is kept. Run in an administrator PowerShell:
#   powershell -ExecutionPolicy Bypass -File .\remove-task.ps1
# Saved as UTF-8 with a BOM (see install-task.ps1).
$ErrorActionPreference = 'Stop'

if (Get-ScheduledTask -TaskName 'HallQ' -ErrorAction SilentlyContinue) {
    Stop-ScheduledTask -TaskName 'HallQ'
    Unregister-ScheduledTask -TaskName 'HallQ' -Confirm:$false
}
Get-NetFirewallRule -DisplayName 'HallQ' -ErrorAction SilentlyContinue | Remove-NetFirewallRule
Write-Output "HallQ 计划任务已删除，数据保留在 $env:ProgramData\HallQ / the HallQ task is removed; the data stays in $env:ProgramData\HallQ"
