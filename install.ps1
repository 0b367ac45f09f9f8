# sfjwt installer for Windows (Windows PowerShell 5.1 and PowerShell 7).
#
#   irm https://github.com/sfjwt/sfjwt/releases/latest/download/install.ps1 | iex
#   powershell -NoProfile -ExecutionPolicy Bypass -File install.ps1 -Version v0.1.0 -Dir C:\tools\sfjwt
#
# The same contract as install.sh: picks the archive for this machine, downloads it and the
# release's SHA256SUMS, checks the archive against SHA256SUMS (and -Sha256 when given) before
# anything from it runs, and replaces the binary in one move, so a refused or interrupted install
# leaves no partial sfjwt.exe. Layout: BASE/VERSION/sfjwt-VERSION-x86_64-pc-windows-msvc.zip holding
# sfjwt-VERSION-x86_64-pc-windows-msvc\sfjwt.exe; BASE/VERSION/SHA256SUMS; BASE/VERSION/VERSION.
# Parameters fall back to SFJWT_VERSION, SFJWT_INSTALL_DIR, SFJWT_BASE_URL, SFJWT_SHA256, SFJWT_TARGET.
param(
    [string]$Version = $env:SFJWT_VERSION,
    [string]$Dir = $env:SFJWT_INSTALL_DIR,
    [string]$BaseUrl = $env:SFJWT_BASE_URL,
    [string]$Sha256 = $env:SFJWT_SHA256,
    [string]$Target = $env:SFJWT_TARGET
)

Set-StrictMode -Version 3
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'   # Invoke-WebRequest's progress bar makes downloads slow on 5.1

# The canonical repository is named once, in Cargo.toml's `repository`; tests/it/installer.rs
# checks that this line agrees with it.
$DefaultBaseUrl = 'https://github.com/sfjwt/sfjwt/releases/download'

function Say([string]$Message) { [Console]::Error.WriteLine("sfjwt install: $Message") }
function Fail([string]$Message) { Say "error: $Message"; exit 1 }

if (-not $Version) { $Version = 'latest' }
if (-not $BaseUrl) { $BaseUrl = $DefaultBaseUrl }
$BaseUrl = $BaseUrl.TrimEnd('/')
if ($BaseUrl -notmatch '^https?://') { Fail "-BaseUrl must be an http(s) URL (got $BaseUrl)" }
if ($BaseUrl -match '^http://') { Say "warning: $BaseUrl is plain http; SHA256SUMS comes from the same server, so pin the archive with -Sha256" }
if ($Sha256) {
    $Sha256 = $Sha256.ToLowerInvariant()
    if ($Sha256 -notmatch '^[0-9a-f]{64}$') { Fail '-Sha256 must be 64 hexadecimal digits' }
}

if (-not $Target) {
    if ((Get-Variable IsWindows -ErrorAction SilentlyContinue) -and -not $IsWindows) {
        Fail 'on Linux and macOS use install.sh: curl -fsSL https://github.com/sfjwt/sfjwt/releases/latest/download/install.sh | sh'
    }
    $arch = $env:PROCESSOR_ARCHITECTURE
    if ($env:PROCESSOR_ARCHITEW6432) { $arch = $env:PROCESSOR_ARCHITEW6432 }   # 32-bit PowerShell on 64-bit Windows
    switch ($arch) {
        'AMD64' { $Target = 'x86_64-pc-windows-msvc' }
        # Windows 11 on Arm runs x64 programs under emulation; there is no native Arm build yet.
        'ARM64' { $Target = 'x86_64-pc-windows-msvc'; Say 'Windows on Arm: installing the x64 build, which runs under emulation' }
        default { Fail "no sfjwt build for Windows on $arch (builds exist for x64); build from source: cargo install sfjwt" }
    }
}
if ($Target -notmatch '^[A-Za-z0-9_.-]+$') { Fail "-Target must be a Rust target triple (got $Target)" }

if ([Net.ServicePointManager]::SecurityProtocol -ne 0) {
    [Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12
}
$tmp = Join-Path ([IO.Path]::GetTempPath()) ("sfjwt-install-" + [Guid]::NewGuid().ToString('N'))
New-Item -ItemType Directory -Path $tmp | Out-Null

function Get-Asset([string]$Url, [string]$Out, [string]$What) {
    for ($try = 1; $try -le 3; $try++) {
        try {
            Invoke-WebRequest -Uri $Url -OutFile $Out -UseBasicParsing -TimeoutSec 300
            return
        } catch {
            $status = $null
            if ($_.Exception.PSObject.Properties['Response'] -and $_.Exception.Response) { $status = [int]$_.Exception.Response.StatusCode }
            # 4xx will not change on a retry; connection errors and 5xx may.
            if (($status -ge 400 -and $status -lt 500) -or $try -eq 3) {
                Fail "cannot download $What from $Url ($($_.Exception.Message))"
            }
            Start-Sleep -Seconds ([math]::Pow(2, $try - 1))
        }
    }
}

try {
    if ($Version -eq 'latest') {
        if ($BaseUrl -match '/releases/download$') { $latest = $BaseUrl -replace '/download$', '/latest/download' } else { $latest = "$BaseUrl/latest" }
        Get-Asset "$latest/VERSION" (Join-Path $tmp 'VERSION') "the latest release's VERSION"
        $Version = (Get-Content -Raw (Join-Path $tmp 'VERSION')).Trim()
        if (-not $Version) { Fail "$latest/VERSION is empty" }
    }
    if (-not $Version.StartsWith('v')) { $Version = "v$Version" }
    if ($Version -notmatch '^[A-Za-z0-9_.+-]+$') { Fail "not a release version: $Version" }

    $name = "sfjwt-$Version-$Target"
    $asset = "$name.zip"
    $url = "$BaseUrl/$Version"
    Say "installing sfjwt $Version ($Target) from $url"

    $sums = Join-Path $tmp 'SHA256SUMS'
    Get-Asset "$url/SHA256SUMS" $sums 'SHA256SUMS'
    $expected = $null
    foreach ($line in Get-Content $sums) {
        $parts = $line -split '\s+', 2
        if ($parts.Count -eq 2 -and ($parts[1] -eq $asset -or $parts[1] -eq "*$asset")) { $expected = $parts[0].ToLowerInvariant(); break }
    }
    if (-not $expected) { Fail "SHA256SUMS of $Version lists no $asset`: this release has no build for $Target" }
    $zip = Join-Path $tmp $asset
    Get-Asset "$url/$asset" $zip $asset
    $actual = (Get-FileHash -Algorithm SHA256 -Path $zip).Hash.ToLowerInvariant()
    if ($actual -ne $expected) { Fail "checksum mismatch for $asset`: SHA256SUMS says $expected, the download is $actual; nothing was installed" }
    if ($Sha256 -and $actual -ne $Sha256) { Fail "checksum mismatch for $asset`: -Sha256 says $Sha256, the download is $actual; nothing was installed" }
    Say "verified $asset (sha256 $actual)"

    $x = Join-Path $tmp 'x'
    Expand-Archive -Path $zip -DestinationPath $x
    $exe = Join-Path (Join-Path $x $name) 'sfjwt.exe'
    if (-not (Test-Path -PathType Leaf $exe)) { Fail "$asset does not hold $name\sfjwt.exe" }
    $got = & $exe --version 2>&1
    if ($LASTEXITCODE -ne 0) { Fail "the downloaded sfjwt does not run here: $got" }

    if (-not $Dir) { $Dir = Join-Path $env:LOCALAPPDATA 'Programs\sfjwt' }
    New-Item -ItemType Directory -Force -Path $Dir | Out-Null
    $part = Join-Path $Dir (".sfjwt.part." + $PID + ".exe")
    try {
        Copy-Item -Path $exe -Destination $part
        Move-Item -Force -Path $part -Destination (Join-Path $Dir 'sfjwt.exe')
    } catch {
        Remove-Item -Force -ErrorAction SilentlyContinue $part
        Fail "cannot install into $Dir ($($_.Exception.Message))"
    }
    if (-not (($env:PATH -split ';') -contains $Dir)) { Say "note: $Dir is not on PATH; add it to your user PATH" }
    Write-Output "$got installed to $(Join-Path $Dir 'sfjwt.exe')"
} finally {
    Remove-Item -Recurse -Force -ErrorAction SilentlyContinue $tmp
}
