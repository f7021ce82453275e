<#
.SYNOPSIS
  Windows build host: PyInstaller bundle -> signed executables -> MSI (WiX v3) -> signed MSI -> smoke test.

.DESCRIPTION
  Builds dist\slm-assistant with installers\slm_assistant.spec, signs every .exe and .dll we ship
  that is not already signed, builds the MSI from installers\windows\SLMAssistant.wxs (the same
  source wixl uses on Linux CI) with heat/candle/light, signs it with an RFC 3161 timestamp, and
  runs a silent install / upgrade / uninstall test with msiexec /qn.

  Signing certificate, one of:
    -CertThumbprint  a code-signing certificate in Cert:\LocalMachine\My or CurrentUser\My
    -SignToolArgs    extra signtool arguments for a cloud HSM, e.g. '/dlib', 'Azure.CodeSigning.Dlib.dll', '/dmdf', 'metadata.json'

.EXAMPLE
  powershell -ExecutionPolicy Bypass -File installers\windows\build.ps1 -CertThumbprint 0123abcd... -SmokeTest
#>
[CmdletBinding()]
param(
    [string]$CertThumbprint = $env:SIGN_CERT_THUMBPRINT,
    [string[]]$SignToolArgs = @(),
    [string]$TimestampUrl = "http://timestamp.digicert.com",
    [string]$Python = ".venv\Scripts\python.exe",
    [string]$WixBin = "${env:WIX}bin",
    [switch]$SkipBundle,
    [switch]$SmokeTest
)
$ErrorActionPreference = "Stop"
Set-StrictMode -Version Latest
$Root = Resolve-Path (Join-Path $PSScriptRoot "..\..")
Set-Location $Root

function Invoke-Checked([string]$Exe, [string[]]$Arguments) {
    & $Exe @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Exe failed with exit code $LASTEXITCODE" }
}

function Find-SignTool {
    $kits = Get-ChildItem "${env:ProgramFiles(x86)}\Windows Kits\10\bin\*\x64\signtool.exe" -ErrorAction SilentlyContinue |
        Sort-Object FullName -Descending
    if (-not $kits) { throw "signtool.exe not found: install the Windows 10/11 SDK." }
    return $kits[0].FullName
}

function Invoke-Sign([string[]]$Files) {
    if (-not $CertThumbprint -and $SignToolArgs.Count -eq 0) {
        Write-Warning "No certificate given (-CertThumbprint or -SignToolArgs): leaving files unsigned."
        return
    }
    $signTool = Find-SignTool
    $common = @("sign", "/fd", "sha256", "/tr", $TimestampUrl, "/td", "sha256", "/d", "SLM Assistant")
    if ($CertThumbprint) { $common += @("/sha1", $CertThumbprint, "/sm") }  # /sm: machine store first
    $common += $SignToolArgs
    # signtool takes many files at once; batches keep the command line short.
    for ($i = 0; $i -lt $Files.Count; $i += 50) {
        $batch = $Files[$i..([Math]::Min($i + 49, $Files.Count - 1))]
        Invoke-Checked $signTool ($common + $batch)
    }
    Invoke-Checked $signTool (@("verify", "/pa", "/all") + $Files[0])
}

$Version = (Select-String -Path "desktop_app\__init__.py" -Pattern '^__version__ = "(.+)"').Matches[0].Groups[1].Value
$Bundle = Join-Path $Root "dist\slm-assistant"

# 1. The bundle (CPU-only torch is enforced by the spec).
if (-not $SkipBundle) {
    $env:HF_HUB_OFFLINE = "1"
    Invoke-Checked $Python @("-m", "PyInstaller", "--noconfirm", "--distpath", "dist", "--workpath", "build\pyinstaller", "installers\slm_assistant.spec")
}
Invoke-Checked (Join-Path $Bundle "slm-assistant.exe") @("self-test")

# 2. Sign our executables and every unsigned DLL/PYD we ship (Qt's and Python's are signed by their vendors).
$binaries = Get-ChildItem $Bundle -Recurse -Include *.exe, *.dll, *.pyd |
    Where-Object { (Get-AuthenticodeSignature $_.FullName).Status -ne "Valid" } | ForEach-Object FullName
Invoke-Sign @($binaries)

# 3. The MSI: file list from the bundle folder (heat), then the shared SLMAssistant.wxs.
$Work = Join-Path $Root "build\msi-win"
Remove-Item $Work -Recurse -Force -ErrorAction SilentlyContinue
New-Item -ItemType Directory $Work | Out-Null
# -ag: component GUIDs computed from the install path at compile time (stable across builds, as
# wixl-heat's Guid="*"); -srd: the bundle's files go straight into INSTALLDIR.
Invoke-Checked "$WixBin\heat.exe" @("dir", $Bundle, "-nologo", "-ag", "-srd", "-sfrag", "-sreg", "-cg", "BundleFiles",
    "-dr", "INSTALLDIR", "-var", "var.SourceDir", "-out", "$Work\files.wxs")
$defines = @("-dVersion=$Version", "-dSourceDir=$Bundle", "-dIconFile=$Root\resources\icons\slm-assistant.ico",
    "-dLauncher=SLM Assistant.exe", "-dWin64=yes", "-arch", "x64")
Invoke-Checked "$WixBin\candle.exe" (@("-nologo", "-out", "$Work\") + $defines + @("installers\windows\SLMAssistant.wxs", "$Work\files.wxs"))
$Msi = Join-Path $Root "dist\SLMAssistant-$Version-x64.msi"
Invoke-Checked "$WixBin\light.exe" @("-nologo", "-spdb", "-out", $Msi, "$Work\SLMAssistant.wixobj", "$Work\files.wixobj")
Invoke-Sign @($Msi)

# 4. Smoke test: silent install with a policy, upgrade to a newer build, downgrade refused, uninstall.
#    The "newer build" is the same bundle as version x.y.(z+1), built into build\ only.
function Invoke-Msi([string[]]$Arguments) {
    $p = Start-Process msiexec.exe -Wait -PassThru -ArgumentList $Arguments
    return $p.ExitCode
}
if ($SmokeTest) {
    $parts = $Version.Split(".")
    $Next = "{0}.{1}.{2}" -f $parts[0], $parts[1], ([int]$parts[2] + 1)
    $NextMsi = Join-Path $Work "SLMAssistant-$Next-x64.msi"
    Invoke-Checked "$WixBin\candle.exe" (@("-nologo", "-out", "$Work\next\") + ($defines -replace "^-dVersion=.*", "-dVersion=$Next") + @("installers\windows\SLMAssistant.wxs", "$Work\files.wxs"))
    Invoke-Checked "$WixBin\light.exe" @("-nologo", "-spdb", "-out", $NextMsi, "$Work\next\SLMAssistant.wixobj", "$Work\next\files.wixobj")

    $log = Join-Path $Work "install.log"
    $code = Invoke-Msi @("/i", "`"$Msi`"", "/qn", "/l*v", "`"$log`"", "CLOUD_POLICY=off", "ALLOW_EXPORT=0")
    if ($code -ne 0) { throw "Install failed ($code); see $log" }
    $installed = Join-Path ${env:ProgramFiles} "SLM Assistant\slm-assistant.exe"
    Invoke-Checked $installed @("self-test")
    $policy = Get-ItemProperty "HKLM:\Software\Policies\SLM Assistant"
    if ($policy.CloudPolicy -ne "off" -or $policy.AllowExport -ne "0") { throw "Policy values were not written" }
    if (-not (Test-Path "$env:ProgramData\Microsoft\Windows\Start Menu\Programs\SLM Assistant.lnk")) { throw "No Start-menu shortcut" }

    $code = Invoke-Msi @("/i", "`"$NextMsi`"", "/qn", "CLOUD_POLICY=off", "ALLOW_EXPORT=0")
    if ($code -ne 0) { throw "Upgrade to $Next failed ($code)" }
    $entries = @(Get-ChildItem "HKLM:\Software\Microsoft\Windows\CurrentVersion\Uninstall" |
        Get-ItemProperty | Where-Object { $_.PSObject.Properties["DisplayName"] -and $_.DisplayName -eq "SLM Assistant" })
    if ($entries.Count -ne 1 -or $entries[0].DisplayVersion -ne $Next) { throw "Upgrade left $($entries.Count) entries" }

    $code = Invoke-Msi @("/i", "`"$Msi`"", "/qn")
    if ($code -eq 0) { throw "Downgrade to $Version was not refused" }

    $code = Invoke-Msi @("/x", "`"$NextMsi`"", "/qn")
    if ($code -ne 0) { throw "Uninstall failed ($code)" }
    if (Test-Path $installed) { throw "Uninstall left $installed behind" }
    if (Test-Path "HKLM:\Software\Policies\SLM Assistant") {
        if ((Get-ItemProperty "HKLM:\Software\Policies\SLM Assistant").PSObject.Properties["CloudPolicy"]) { throw "Uninstall left the policy" }
    }
    Write-Host "Smoke test passed: install with policy, upgrade $Version -> $Next, downgrade refused, uninstall."
}
Write-Output $Msi
