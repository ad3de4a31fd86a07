; SPDX-License-Identifier: Apache-2.0
; Bomiot installer for Windows (NSIS 3, built on Linux with Debian's makensis).
;
;   makensis -DVERSION=1.0.0 -DLAUNCHER_EXE=path/bomiot-launcher.exe -DAPP_DIR=path/app \
;            -DOUTFILE=out/bomiot-1.0.0-setup.exe [-DCONFIG=launcher.json] [-DICON=bomiot.ico] \
;            [-DTRUSTED_ROOT=repository/metadata/1.root.json] [-DRESOURCES_DIR=build/launcher/resources] \
;            [-DEXTRA_RESOURCES_DIR=dir] [-DAPP_NAME="Acme Notes"] [-DAPP_ID=AcmeNotes] \
;            [-DPUBLISHER=Acme] [-DCOMMENT="..."] bomiot.nsi
;
; TRUSTED_ROOT (the repository's first root, printed by bomiot-release init) is
; installed as resources\root.json: without it the launcher starts the app but
; cannot check for updates. RESOURCES_DIR's files (the splash image and font)
; go into resources\ too, then EXTRA_RESOURCES_DIR's (a CA file that ca_file
; names, the publisher's own splash.png: a file of the same name replaces one of
; RESOURCES_DIR's).
;
; Names, Bomiot's by default: APP_NAME is what the user sees (shortcuts, Apps &
; features, the finish page): give launcher.json's display_name, in any script
; (the splash shows it; NSIS does not read JSON), with makensis run under a
; UTF-8 locale (LC_ALL=C.UTF-8: under C it cannot read a non-ASCII argument).
; APP_ID names the install folder and the uninstall
; key (keep it to letters, digits, '.', '_' and '-'), PUBLISHER the publisher
; (default APP_NAME), COMMENT the shortcuts' description.
;
; Per user by default, no elevation: $LOCALAPPDATA\Programs\<APP_ID>, shortcuts in
; the user's Start menu and desktop, the uninstaller under HKCU. /ALLUSERS installs
; for every user: $PROGRAMFILES64\<APP_ID>, the common Start menu and desktop, HKLM
; (it needs an elevated prompt; without one it asks for elevation, or fails with
; exit code 740 when silent), and the machine's updater: the scheduled task
; "<APP_ID>\<APP_ID> update" (below), its definition update-task.xml in the root, and
; reports\ for users' launchers. Other switches: /S silent, /D=<folder> (last),
; /NODESKTOP no desktop shortcut.
;
; The install root is the launcher's (see README.md, "Install layout"): the first
; version goes into versions\<v>.partial, .bomiot-complete is written last and the
; folder renamed to versions\<v>, as launcher/start/install.c does. Installing again
; keeps state.json, launcher.user.json (the user's settings), cache\ and every
; installed version, replaces the launcher and launcher.json (the publisher's), and
; adds the version if it is missing. The uninstaller removes exactly what this
; installer put there (the scheduled task and reports\ too) plus what the launcher
; made in the root (versions\, cache\, state.json, a self-update's leftovers) and
; launcher.user.json, and the folder only if it is then empty.

Unicode true
Target amd64-unicode
ManifestDPIAware true
RequestExecutionLevel user
SetCompressor /SOLID lzma

!ifndef VERSION
  !error "define VERSION, the first version's name (e.g. -DVERSION=1.0.0)"
!endif
!ifndef LAUNCHER_EXE
  !error "define LAUNCHER_EXE, the path of bomiot-launcher.exe"
!endif
!ifndef APP_DIR
  !error "define APP_DIR, the folder of the first version's files"
!endif
!ifndef OUTFILE
  !define OUTFILE "bomiot-${VERSION}-setup.exe"
!endif
!ifndef ICON
  !define ICON "${__FILEDIR__}/../../resources/icons/bomiot.ico"
!endif
!ifndef APP_NAME
  !define APP_NAME "Bomiot"
!endif
!ifndef APP_ID
  !define APP_ID "Bomiot"
!endif
!ifndef PUBLISHER
  !define PUBLISHER "${APP_NAME}"
!endif
!ifndef COMMENT
  !define COMMENT "Start ${APP_NAME}, kept up to date by its launcher"
!endif

!define LAUNCHER "bomiot-launcher.exe"
!define UNINSTALLER "uninstall.exe"
!searchreplace APP_NAME_XML "${APP_NAME}" "&" "&amp;" ; for task XML text
!searchreplace APP_NAME_XML "${APP_NAME_XML}" "<" "&lt;"
!searchreplace APP_NAME_XML "${APP_NAME_XML}" ">" "&gt;"
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP_ID}"
!define MARKER ".bomiot-complete"
; /ALLUSERS: the machine's updater, a scheduled task run as SYSTEM (docs/deploy.md)
!define TASK_NAME "${APP_ID}\${APP_ID} update"
!define TASK_XML "update-task.xml"
!define REPORTS "reports"

!include LogicLib.nsh
!include FileFunc.nsh
!include WordFunc.nsh
!include MUI2.nsh

Name "${APP_NAME}"
OutFile "${OUTFILE}"
BrandingText "${APP_NAME} ${VERSION}"
ShowInstDetails show
ShowUninstDetails show
; No InstallDir: .onInit picks the folder for the mode, or the one of an
; earlier install, unless /D= gave one.

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_FINISHPAGE_RUN "$INSTDIR\${LAUNCHER}"
!define MUI_FINISHPAGE_RUN_TEXT "Start ${APP_NAME}"
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

!ifndef VI_VERSION
  !define VI_VERSION "0.0.0.0" ; four numbers; a PEP 440 VERSION need not be
!endif
VIProductVersion "${VI_VERSION}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "ProductName" "${APP_NAME}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "FileDescription" "${APP_NAME} installer"
VIAddVersionKey /LANG=${LANG_ENGLISH} "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "LegalCopyright" "${PUBLISHER}"

Var AllUsers ; 1: per machine
Var Flag     ; scratch
Var Interval ; update_interval in seconds, for the machine's updater

; Per machine: common folders (SetShellVarContext all) and HKLM (SHCTX follows it).
!macro BL_SELECT_MODE UN
  Function ${UN}SelectMode
    StrCpy $AllUsers 0
    ${GetParameters} $R0
    ClearErrors
    ${GetOptions} $R0 "/ALLUSERS" $R1
    ${IfNot} ${Errors}
      StrCpy $AllUsers 1
    ${EndIf}
    ${If} $AllUsers == 1
      SetShellVarContext all
    ${Else}
      SetShellVarContext current
    ${EndIf}
  FunctionEnd
!macroend
!insertmacro BL_SELECT_MODE ""
!insertmacro BL_SELECT_MODE "un."


; Writes versions\<v>.partial\.bomiot-complete durably (temp file, flush, rename).
Function WriteMarker
  Pop $R3 ; the .partial folder
  FileOpen $R4 "$R3\${MARKER}.tmp" w
  FileWrite $R4 '{"version": "${VERSION}"}$\n'
  System::Call 'kernel32::FlushFileBuffers(p R4)'
  FileClose $R4
  Rename "$R3\${MARKER}.tmp" "$R3\${MARKER}"
FunctionEnd

; --- the machine's updater (/ALLUSERS) ------------------------------------------
; Users may not write a per-machine root: their launchers run read-only and
; start the current version. A scheduled task updates it for all of them:
; `bomiot-launcher --update-only` as SYSTEM, 5 minutes after every boot and
; every update_interval (the one in force at install time: launcher.json's, or
; the machine policy's), each run delayed at random by up to a quarter of it
; (at most an hour), on battery too and whoever is logged on. Its definition
; stays in the root (update-task.xml, UTF-16 as schtasks reads it everywhere)
; for an administrator to read or register again; the uninstaller deletes the
; task. Wine's schtasks registers it but keeps only its description and
; settings (installer/windows/README.md).

; The installed launcher's update_interval (--print-config without the
; installing user's BOMIOT_UPDATE_INTERVAL) into $Interval, in seconds; 3600
; when it says none (its output is cut at NSIS_MAX_STRLEN characters, and
; update_interval is only the second row of its table, after five lines).
Function ReadUpdateInterval
  StrCpy $Interval 3600
  System::Call 'kernel32::SetEnvironmentVariable(t "BOMIOT_UPDATE_INTERVAL", p 0)'
  nsExec::ExecToStack '"$INSTDIR\${LAUNCHER}" --print-config'
  Pop $R0 ; its exit code, or "error"
  Pop $R1 ; what it printed
  ${If} $R0 != 0
    DetailPrint "${LAUNCHER} --print-config failed ($R0); the updater runs every hour"
    Return
  ${EndIf}
  StrLen $R2 $R1
  StrCpy $R3 0
  ${Do}
    ${If} $R3 >= $R2
      DetailPrint "${LAUNCHER} --print-config shows no update_interval; the updater runs every hour"
      Return
    ${EndIf}
    StrCpy $R4 $R1 17 $R3
    ${IfThen} $R4 == "$\nupdate_interval " ${|} ${ExitDo} ${|}
    IntOp $R3 $R3 + 1
  ${Loop}
  IntOp $R3 $R3 + 17
  ${Do} ; the column's padding
    StrCpy $R4 $R1 1 $R3
    ${IfThen} $R4 != " " ${|} ${ExitDo} ${|}
    IntOp $R3 $R3 + 1
  ${Loop}
  StrCpy $R5 ""
  ${Do} ; the value, up to the next space
    StrCpy $R4 $R1 1 $R3
    ${IfThen} $R4 == " " ${|} ${ExitDo} ${|}
    ${IfThen} $R4 == "" ${|} ${ExitDo} ${|}
    StrCpy $R5 "$R5$R4"
    IntOp $R3 $R3 + 1
  ${Loop}
  IntOp $R6 $R5 + 0
  ${If} "$R6" == "$R5" ; a whole number of seconds, as the launcher prints it
    StrCpy $Interval $R6
  ${Else}
    DetailPrint "${LAUNCHER} --print-config shows update_interval '$R5'; the updater runs every hour"
  ${EndIf}
FunctionEnd

!macro TASK_LINE TEXT
  FileWriteUTF16LE $R0 `${TEXT}$\r$\n`
!macroend

; Writes update-task.xml for $Interval and registers it as ${TASK_NAME}.
Function RegisterUpdateTask
  Call ReadUpdateInterval
  ; Task Scheduler repeats in minutes (1 minute to 31 days; update_interval
  ; is at most 30 days): rounded up. The random delay: a quarter, at most 60.
  IntOp $R1 $Interval + 59
  IntOp $R1 $R1 / 60
  IntOp $R2 $R1 / 4
  ${IfThen} $R2 > 60 ${|} StrCpy $R2 60 ${|}
  ; The first repetition counts from now (local time), so machines installed
  ; at different times do not ask the server together.
  ${GetTime} "" "L" $R3 $R4 $R5 $R6 $R7 $R8 $R9 ; day, month, year, weekday, hour, minute, second
  StrCpy $R3 "$R5-$R4-$R3T$R7:$R8:$R9"
  ${WordReplace} "$INSTDIR" "&" "&amp;" "+" $R4 ; a folder name may hold '&' (never '<' or '>')
  ${If} $R1 > 0
    StrCpy $R5 "5 minutes after boot and every $R1 minutes (update_interval $Interval s) with up to $R2 minutes of random delay"
  ${Else}
    StrCpy $R5 "5 minutes after boot (update_interval 0: no repeated checks)"
  ${EndIf}

  FileOpen $R0 "$INSTDIR\${TASK_XML}" w
  FileWriteUTF16LE /BOM $R0 '<?xml version="1.0" encoding="UTF-16"?>$\r$\n'
  !insertmacro TASK_LINE '<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">'
  !insertmacro TASK_LINE '  <RegistrationInfo>'
  !insertmacro TASK_LINE '    <Author>${APP_NAME_XML} installer</Author>'
  !insertmacro TASK_LINE '    <Description>Updates ${APP_NAME_XML} in $R4 for every user of this machine: $R4\${LAUNCHER} --update-only as SYSTEM, $R5. Written by its installer; its uninstaller removes it.</Description>'
  !insertmacro TASK_LINE '    <URI>\${TASK_NAME}</URI>'
  !insertmacro TASK_LINE '  </RegistrationInfo>'
  !insertmacro TASK_LINE '  <Triggers>'
  !insertmacro TASK_LINE '    <BootTrigger>'
  !insertmacro TASK_LINE '      <Enabled>true</Enabled>'
  !insertmacro TASK_LINE '      <Delay>PT5M</Delay>'
  !insertmacro TASK_LINE '    </BootTrigger>'
  ${If} $R1 > 0
    !insertmacro TASK_LINE '    <TimeTrigger>'
    !insertmacro TASK_LINE '      <Enabled>true</Enabled>'
    !insertmacro TASK_LINE '      <StartBoundary>$R3</StartBoundary>'
    !insertmacro TASK_LINE '      <Repetition>'
    !insertmacro TASK_LINE '        <Interval>PT$R1M</Interval>'
    !insertmacro TASK_LINE '        <StopAtDurationEnd>false</StopAtDurationEnd>'
    !insertmacro TASK_LINE '      </Repetition>'
    ${If} $R2 > 0
      !insertmacro TASK_LINE '      <RandomDelay>PT$R2M</RandomDelay>'
    ${EndIf}
    !insertmacro TASK_LINE '    </TimeTrigger>'
  ${EndIf}
  !insertmacro TASK_LINE '  </Triggers>'
  !insertmacro TASK_LINE '  <Principals>'
  !insertmacro TASK_LINE '    <Principal id="Author">'
  !insertmacro TASK_LINE '      <UserId>S-1-5-18</UserId>'
  !insertmacro TASK_LINE '      <RunLevel>HighestAvailable</RunLevel>'
  !insertmacro TASK_LINE '    </Principal>'
  !insertmacro TASK_LINE '  </Principals>'
  !insertmacro TASK_LINE '  <Settings>'
  !insertmacro TASK_LINE '    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>'
  !insertmacro TASK_LINE '    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>'
  !insertmacro TASK_LINE '    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>'
  !insertmacro TASK_LINE '    <StartWhenAvailable>true</StartWhenAvailable>'
  !insertmacro TASK_LINE '    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>'
  !insertmacro TASK_LINE '    <ExecutionTimeLimit>PT4H</ExecutionTimeLimit>'
  !insertmacro TASK_LINE '    <Priority>7</Priority>'
  !insertmacro TASK_LINE '  </Settings>'
  !insertmacro TASK_LINE '  <Actions Context="Author">'
  !insertmacro TASK_LINE '    <Exec>'
  !insertmacro TASK_LINE '      <Command>"$R4\${LAUNCHER}"</Command>'
  !insertmacro TASK_LINE '      <Arguments>--update-only</Arguments>'
  !insertmacro TASK_LINE '      <WorkingDirectory>$R4</WorkingDirectory>'
  !insertmacro TASK_LINE '    </Exec>'
  !insertmacro TASK_LINE '  </Actions>'
  !insertmacro TASK_LINE '</Task>'
  FileClose $R0

  nsExec::ExecToStack '"$SYSDIR\schtasks.exe" /Create /XML "$INSTDIR\${TASK_XML}" /TN "${TASK_NAME}" /F'
  Pop $R0
  Pop $R1
  ${If} $R0 == 0
    DetailPrint "Scheduled task ${TASK_NAME}: $R5"
  ${Else}
    DetailPrint "schtasks /Create failed ($R0): $R1"
    MessageBox MB_ICONEXCLAMATION "Could not create the scheduled task ${TASK_NAME} ($R1): ${APP_NAME} is installed, but only an administrator running $\"$INSTDIR\${LAUNCHER}$\" --update-only updates it." /SD IDOK
  ${EndIf}
FunctionEnd

; reports\: where users' launchers leave a file for the machine's updater (a
; first run that crashed). Each user may add files there, and read, change
; and delete only their own (CREATOR OWNER); SYSTEM and Administrators all;
; nothing inherited from Program Files (whose Users may read).
Function MakeReportsFolder
  CreateDirectory "$INSTDIR\${REPORTS}"
  nsExec::ExecToStack '"$SYSDIR\icacls.exe" "$INSTDIR\${REPORTS}" /inheritance:r /grant:r *S-1-5-18:(OI)(CI)F *S-1-5-32-544:(OI)(CI)F *S-1-3-0:(OI)(CI)(IO)F *S-1-5-32-545:(WD)'
  Pop $R0
  Pop $R1
  ${If} $R0 != 0
    DetailPrint "icacls failed ($R0) on $INSTDIR\${REPORTS}: $R1"
  ${EndIf}
FunctionEnd

Section "${APP_NAME}" SecApp
  SectionIn RO
  SetOutPath "$INSTDIR"
  SetOverwrite on

  ; The launcher: a running one cannot be overwritten but can be renamed aside,
  ; under the name its own self-update uses and deletes at a later start.
  ${If} ${FileExists} "$INSTDIR\${LAUNCHER}"
    Delete "$INSTDIR\bomiot-launcher.old.exe"
    ClearErrors
    Rename "$INSTDIR\${LAUNCHER}" "$INSTDIR\bomiot-launcher.old.exe"
  ${EndIf}
  File "/oname=${LAUNCHER}" "${LAUNCHER_EXE}"
  File "/oname=bomiot.ico" "${ICON}"
  ; replaced on every install: as new as the launcher it comes with
!ifdef TRUSTED_ROOT
  SetOutPath "$INSTDIR\resources"
  File "/oname=root.json" "${TRUSTED_ROOT}"
!else
  !warning "no TRUSTED_ROOT: the installed launcher cannot check for updates"
!endif
!ifdef RESOURCES_DIR
  SetOutPath "$INSTDIR\resources"
  File "${RESOURCES_DIR}\*"
!endif
!ifdef EXTRA_RESOURCES_DIR
  SetOutPath "$INSTDIR\resources"
  File "${EXTRA_RESOURCES_DIR}\*"
!endif
  SetOutPath "$INSTDIR"
  ; launcher.json is the publisher's: replaced on every install. The user's own
  ; choices are in launcher.user.json, which no installer writes.
!ifdef CONFIG
  File "/oname=launcher.json" "${CONFIG}"
  WriteRegDWORD SHCTX "${UNINST_KEY}" "BomiotInstalledConfig" 1
!endif

  ; The first version, by the launcher's protocol.
  ${If} ${FileExists} "$INSTDIR\versions\${VERSION}\${MARKER}"
    DetailPrint "Version ${VERSION} is already installed; kept it"
  ${Else}
    RMDir /r "$INSTDIR\versions\${VERSION}.partial"
    RMDir /r "$INSTDIR\versions\${VERSION}" ; no marker: debris of an interrupted install
    SetOutPath "$INSTDIR\versions\${VERSION}.partial"
    File /r "${APP_DIR}/*"
    Push "$INSTDIR\versions\${VERSION}.partial"
    Call WriteMarker
    ; SetOutPath made .partial the installer's current folder, and Windows
    ; refuses to rename a folder that is a process's current folder.
    SetOutPath "$INSTDIR"
    ClearErrors
    Rename "$INSTDIR\versions\${VERSION}.partial" "$INSTDIR\versions\${VERSION}"
    ${If} ${Errors}
      Abort "Could not complete version ${VERSION} in $INSTDIR\versions (is ${APP_NAME} running?)"
    ${EndIf}
    DetailPrint "Installed version ${VERSION}"
  ${EndIf}
  SetOutPath "$INSTDIR" ; the shortcuts' working folder

  CreateShortcut "$SMPROGRAMS\${APP_NAME}.lnk" "$INSTDIR\${LAUNCHER}" "" "$INSTDIR\bomiot.ico" 0 "" "" \
    "${COMMENT}"

  WriteUninstaller "$INSTDIR\${UNINSTALLER}"
  ${If} $AllUsers == 1
    StrCpy $Flag " /ALLUSERS"
  ${Else}
    StrCpy $Flag ""
  ${EndIf}
  WriteRegStr SHCTX "${UNINST_KEY}" "DisplayName" "${APP_NAME}"
  WriteRegStr SHCTX "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr SHCTX "${UNINST_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr SHCTX "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\bomiot.ico"
  WriteRegStr SHCTX "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr SHCTX "${UNINST_KEY}" "UninstallString" '"$INSTDIR\${UNINSTALLER}"$Flag'
  WriteRegStr SHCTX "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\${UNINSTALLER}"$Flag /S'
  WriteRegDWORD SHCTX "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD SHCTX "${UNINST_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $R5 $R6 $R7
  WriteRegDWORD SHCTX "${UNINST_KEY}" "EstimatedSize" $R5
  ${If} $AllUsers == 1
    Call MakeReportsFolder
    Call RegisterUpdateTask
  ${EndIf}
SectionEnd

Section "Desktop shortcut" SecDesktop
  SetOutPath "$INSTDIR"
  CreateShortcut "$DESKTOP\${APP_NAME}.lnk" "$INSTDIR\${LAUNCHER}" "" "$INSTDIR\bomiot.ico" 0 "" "" "${COMMENT}"
  WriteRegDWORD SHCTX "${UNINST_KEY}" "BomiotDesktopShortcut" 1
SectionEnd

Function .onInit
  Call SelectMode
  ${If} $AllUsers == 1
    UserInfo::GetAccountType
    Pop $R2
    ${If} $R2 != "Admin"
      ${If} ${Silent}
        SetErrorLevel 740 ; ERROR_ELEVATION_REQUIRED
        Quit
      ${EndIf}
      ; Start again elevated, with the same switches, and step aside.
      ExecShell "runas" "$EXEPATH" "$R0"
      Quit
    ${EndIf}
  ${EndIf}
  ${If} $INSTDIR == ""
    ReadRegStr $INSTDIR SHCTX "${UNINST_KEY}" "InstallLocation"
  ${EndIf}
  ${If} $INSTDIR == ""
    ${If} $AllUsers == 1
      StrCpy $INSTDIR "$PROGRAMFILES64\${APP_ID}"
    ${Else}
      StrCpy $INSTDIR "$LOCALAPPDATA\Programs\${APP_ID}"
    ${EndIf}
  ${EndIf}
  ClearErrors
  ${GetOptions} $R0 "/NODESKTOP" $R1
  ${IfNot} ${Errors}
    SectionSetFlags ${SecDesktop} 0 ; unselected
  ${EndIf}
FunctionEnd

; --- uninstaller ---------------------------------------------------------------

Function un.onInit
  Call un.SelectMode
  ${If} $AllUsers == 1
    UserInfo::GetAccountType
    Pop $R2
    ${If} $R2 != "Admin"
      MessageBox MB_ICONSTOP "Uninstalling ${APP_NAME} for all users needs an administrator: run it elevated." /SD IDOK
      SetErrorLevel 740 ; ERROR_ELEVATION_REQUIRED
      Quit
    ${EndIf}
  ${EndIf}
  ; The uninstaller runs from (a temporary copy of) the install folder, and only
  ; there: a folder without the launcher and this installer's uninstall key is
  ; not ours to empty.
  ReadRegStr $R1 SHCTX "${UNINST_KEY}" "InstallLocation"
  ${If} $R1 != $INSTDIR
  ${OrIfNot} ${FileExists} "$INSTDIR\${UNINSTALLER}"
    MessageBox MB_ICONSTOP "$INSTDIR is not where ${APP_NAME} is installed; nothing was removed." /SD IDOK
    SetErrorLevel 2
    Quit
  ${EndIf}
  ; A running launcher's image cannot be opened for writing.
  ${If} ${FileExists} "$INSTDIR\${LAUNCHER}"
    ClearErrors
    FileOpen $R2 "$INSTDIR\${LAUNCHER}" a
    ${If} ${Errors}
      MessageBox MB_ICONSTOP "${APP_NAME} is running; close it and uninstall again." /SD IDOK
      SetErrorLevel 3
      Quit
    ${EndIf}
    FileClose $R2
  ${EndIf}
FunctionEnd

Section "Uninstall"
  ; The machine's updater first, so that it does not start mid-way.
  ${If} $AllUsers == 1
    nsExec::ExecToStack '"$SYSDIR\schtasks.exe" /Delete /TN "${TASK_NAME}" /F'
    Pop $R1
    Pop $R2
    ${If} $R1 != 0
      DetailPrint "schtasks /Delete ${TASK_NAME} failed ($R1): $R2"
    ${EndIf}
  ${EndIf}
  Delete "$INSTDIR\${TASK_XML}"
  RMDir /r "$INSTDIR\${REPORTS}"
  ; What the launcher made in the root.
  RMDir /r "$INSTDIR\versions"
  RMDir /r "$INSTDIR\cache"
  Delete "$INSTDIR\state.json"
  Delete "$INSTDIR\state.json.tmp.*"
  Delete "$INSTDIR\launcher.user.json" ; the user's settings for this installation
  Delete "$INSTDIR\bomiot-launcher.old.exe"
  Delete "$INSTDIR\bomiot-launcher.new.exe"
  Delete "$INSTDIR\bomiot-launcher.new.exe.tmp.*"

  ; What this installer put there.
  Delete "$INSTDIR\${LAUNCHER}"
  Delete "$INSTDIR\bomiot.ico"
  RMDir /r "$INSTDIR\resources"
  ReadRegDWORD $R1 SHCTX "${UNINST_KEY}" "BomiotInstalledConfig"
  ${If} $R1 == 1
    Delete "$INSTDIR\launcher.json"
  ${EndIf}
  Delete "$SMPROGRAMS\${APP_NAME}.lnk"
  ReadRegDWORD $R1 SHCTX "${UNINST_KEY}" "BomiotDesktopShortcut"
  ${If} $R1 == 1
    Delete "$DESKTOP\${APP_NAME}.lnk"
  ${EndIf}
  DeleteRegKey SHCTX "${UNINST_KEY}"
  Delete "$INSTDIR\${UNINSTALLER}"
  ; Only if empty: a file of the user's in the folder keeps it.
  RMDir "$INSTDIR"
SectionEnd
