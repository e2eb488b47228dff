// The panel brings its own styles (scoped to .pkdt), so an app adds it with one import and no
// stylesheet, and it looks the same whatever the app's theme.
export const DEVTOOLS_CSS = `
.pkdt { position: fixed; z-index: 2147483000; bottom: 12px; font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; color: #e6edf3; }
.pkdt[data-position='bottom-right'] { right: 12px; }
.pkdt[data-position='bottom-left'] { left: 12px; }
.pkdt-toggle { display: inline-flex; align-items: center; gap: 6px; padding: 6px 10px; border: 1px solid #3d444d; border-radius: 999px; background: #151b23; color: inherit; font: inherit; cursor: pointer; }
.pkdt-toggle:focus-visible, .pkdt-button:focus-visible, .pkdt select:focus-visible, .pkdt input:focus-visible { outline: 2px solid #4493f8; outline-offset: 1px; }
.pkdt-dot { width: 8px; height: 8px; border-radius: 50%; background: #6e7681; }
.pkdt-toggle[data-status='connected'] .pkdt-dot { background: #3fb950; }
.pkdt-toggle[data-status='connecting'] .pkdt-dot, .pkdt-toggle[data-status='reconnecting'] .pkdt-dot { background: #d29922; }
.pkdt-panel { position: fixed; left: 12px; right: 12px; bottom: 52px; max-height: min(60vh, 520px); display: flex; flex-direction: column; border: 1px solid #3d444d; border-radius: 8px; background: #0d1117; box-shadow: 0 12px 32px rgb(0 0 0 / 0.4); overflow: hidden; }
.pkdt-header { display: flex; align-items: center; gap: 12px; padding: 8px 12px; border-bottom: 1px solid #3d444d; }
.pkdt-header span { flex: 1; color: #9198a1; }
.pkdt-columns { display: grid; grid-template-columns: minmax(220px, 1fr) 2fr; min-height: 0; flex: 1; }
.pkdt-column { padding: 8px 12px; overflow: auto; }
.pkdt-log { border-left: 1px solid #3d444d; }
.pkdt h2 { margin: 8px 0 4px; font-size: 12px; text-transform: uppercase; letter-spacing: 0.04em; color: #9198a1; }
.pkdt h3 { margin: 6px 0 2px; font-size: 12px; color: #9198a1; }
.pkdt-facts { display: grid; grid-template-columns: auto 1fr; gap: 2px 8px; margin: 0; }
.pkdt-facts dt { color: #9198a1; }
.pkdt-facts dd { margin: 0; }
.pkdt-list { margin: 0; padding: 0; list-style: none; max-height: 120px; overflow: auto; }
.pkdt-list time { margin-right: 8px; color: #9198a1; }
.pkdt-table { width: 100%; border-collapse: collapse; }
.pkdt-table th { position: sticky; top: 0; background: #0d1117; color: #9198a1; font-weight: 400; text-align: left; }
.pkdt-table td, .pkdt-table th { padding: 2px 6px 2px 0; white-space: nowrap; }
.pkdt-table td:last-child { max-width: 420px; overflow: hidden; text-overflow: ellipsis; }
.pkdt-table tr[data-direction='out'] td:nth-child(2) { color: #d29922; }
.pkdt-table tr[data-direction='in'] td:nth-child(2) { color: #3fb950; }
.pkdt-filters { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; margin-bottom: 6px; }
.pkdt select, .pkdt input { border: 1px solid #3d444d; border-radius: 4px; background: #151b23; color: inherit; font: inherit; padding: 2px 4px; }
.pkdt-button { padding: 2px 8px; border: 1px solid #3d444d; border-radius: 4px; background: #151b23; color: inherit; font: inherit; cursor: pointer; }
.pkdt-muted { margin: 0; color: #9198a1; }
`;
