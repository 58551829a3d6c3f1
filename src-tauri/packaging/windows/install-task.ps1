# HallQ: registers the hall server (`hallq serve --lan`) as the scheduled
# task "HallQ": it starts with Windows, before anyone logs in, as SYSTEM, on
# the hall database %ProgramData%\HallQ\hall.db; it is restarted every minute
# if it stops, and never stopped for running long (schtasks' default would
# stop it after 3 days). It also opens the port in Windows Firewall.
#
# Run from the unpacked HallQ folder (e.g. C:\Program Files\HallQ), in an
# administrator PowerShell, after `hallq init`:
#   powershell -ExecutionPolicy Bypass -File .\install-task.ps1 [-Port 7070]
# Saved as UTF-8 with a BOM: Windows PowerShell 5.1 reads a file without one
# in the system's code page, and the messages below are Chinese first.
param([int]$Port = 7070)
$ErrorActionPreference = 'Stop'

$exe = Join-Path $PSScriptRoot 'hallq.exe'
$data = Join-Path $env:ProgramData 'HallQ'
$db = Join-Path $data 'hall.db'
if (-not (Test-Path -LiteralPath $exe)) {
    throw "找不到 $exe，请在解压后的 HallQ 文件夹中运行 / $exe not found: run this script from the unpacked HallQ folder"
}
if (-not (Test-Path -LiteralPath $db)) {
    throw "没有营业厅数据库 $db，请先运行 hallq init（见 README）/ no hall database at ${db}: run hallq init first (see the README)"
}

$action = New-ScheduledTaskAction -Execute $exe -Argument "serve --lan --port $Port --db `"$db`"" -WorkingDirectory $data
$trigger = New-ScheduledTaskTrigger -AtStartup
$settings = New-ScheduledTaskSettingsSet -ExecutionTimeLimit ([TimeSpan]::Zero) -RestartCount 999 `
    -RestartInterval (New-TimeSpan -Minutes 1) -StartWhenAvailable -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries
$principal = New-ScheduledTaskPrincipal -UserId 'SYSTEM' -LogonType ServiceAccount -RunLevel Highest
Register-ScheduledTask -TaskName 'HallQ' -Action $action -Trigger $trigger -Settings $settings -Principal $principal -Force | Out-Null

Get-NetFirewallRule -DisplayName 'HallQ' -ErrorAction SilentlyContinue | Remove-NetFirewallRule
New-NetFirewallRule -DisplayName 'HallQ' -Direction Inbound -Protocol TCP -LocalPort $Port -Action Allow | Out-Null

Start-ScheduledTask -TaskName 'HallQ'
Write-Output "HallQ 营业厅服务已注册并启动：http://<本机 IP>:$Port / the hall server is registered and started: http://<this PC's IP>:$Port"
