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
; exit code 740 when silent). Other switches: /S silent, /D=<folder> (last),
; /NODESKTOP no desktop shortcut.
;
; The install root is the launcher's (see README.md, "Install layout"): the first
; version goes into versions\<v>.partial, .bomiot-complete is written last and the
; folder renamed to versions\<v>, as launcher/start/install.c does. Installing again
; keeps state.json, launcher.user.json (the user's settings), cache\ and every
; installed version, replaces the launcher and launcher.json (the publisher's), and
; adds the version if it is missing. The uninstaller removes exactly what this
; installer put there plus what the launcher made in the root (versions\, cache\,
; state.json, a self-update's leftovers) and launcher.user.json, and the folder
; only if it is then empty.

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
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP_ID}"
!define MARKER ".bomiot-complete"

!include LogicLib.nsh
!include FileFunc.nsh
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
