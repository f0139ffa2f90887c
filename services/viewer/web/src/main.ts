// The viewer: reads the state from the URL, draws the units from the vector tiles coloured by the values, the legend,
// the table and the profile.
import { api, apiUrl, type IndicatorDefinition } from './api.ts';
import { schemeFor } from './classes.ts';
import { renderControls } from './controls.ts';
import { formatNumber, t } from './i18n.ts';
import { renderLegend } from './legend.ts';
import { createMapView, type UnitProperties, type UnitState } from './map-view.ts';
import { createProfilePanel } from './profile.ts';
import { hashOf, stateFromHash, type ViewState } from './state.ts';
import { renderValueTable } from './table.ts';
import './style.css';

const byId = (id: string) => document.getElementById(id) as HTMLElement;
const elements = {
  controls: byId('controls'),
  legend: byId('legend'),
  table: byId('table'),
  notice: byId('notice'),
  hover: byId('hover'),
  profile: byId('profile'),
};

/** what the end-to-end tests read: the map, the state, and a counter of finished renders */
declare global {
  interface Window {
    datenpoolViewer: { map: unknown; state: ViewState; renders: number; error: string | null };
  }
}

let state = stateFromHash(location.hash);
const view = await createMapView(byId('map'));
window.datenpoolViewer = { map: view.map, state, renders: 0, error: null };
const catalogList = await api.indicators().catch(() => [] as IndicatorDefinition[]);
const catalog = new Map(catalogList.map((i) => [i.id, i]));
const profilePanel = createProfilePanel(elements.profile);
const dateCache = new Map<string, Promise<string[]>>();
let generation = 0;

function dates(indicator: string, version: string): Promise<string[]> {
  const key = `${indicator}/${version}`;
  // the series route gives every date; where it fails the latest date of the values stands alone
  if (!dateCache.has(key)) dateCache.set(key, api.dates(indicator, version).catch(() => []));
  return dateCache.get(key)!;
}

view.onHover((unit, point) => {
  if (!unit) {
    elements.hover.hidden = true;
    return;
  }
  elements.hover.hidden = false;
  elements.hover.style.left = `${point.x + 14}px`;
  elements.hover.style.top = `${point.y + 14}px`;
  elements.hover.replaceChildren(Object.assign(document.createElement('strong'), { textContent: unit.name }), ` ${unit.id}`, document.createElement('br'), unit.label);
});
view.onClick((unit: UnitProperties) => update({ ...state, unit: unit.id }));
profilePanel.onClose(() => update({ ...state, unit: '' }));
window.addEventListener('hashchange', () => {
  if (location.hash !== hashOf(state)) void render(stateFromHash(location.hash));
});

let notices: string[] = [];

function showNotices(list: string[]): void {
  elements.notice.hidden = list.length === 0;
  elements.notice.textContent = list.join(' ');
}

function update(next: ViewState): void {
  history.pushState(null, '', hashOf(next));
  void render(next);
}

async function render(next: ViewState): Promise<void> {
  const previous = state;
  state = next;
  window.datenpoolViewer.state = next;
  const mine = ++generation;
  const words = t(state.lang);
  document.documentElement.lang = state.lang;
  document.title = words.title;
  document.body.dataset.ready = 'false';
  try {
    // the geometry does not wait for the values: the tiles load meanwhile
    view.units(`lor-${state.version}-${state.level}`);
    const [loaded, known] = await Promise.all([
      api.values(state.indicator, state.version, state.level, state.date),
      dates(state.indicator, state.version),
    ]);
    if (mine !== generation) return;
    const dateList = [...new Set([...known, ...(loaded.date ? [loaded.date] : [])])].sort();
    renderControls(elements.controls, state, { catalog: catalogList, dates: dateList }, update);
    const definition = catalog.get(state.indicator);
    const format = (n: number) => formatNumber(state.lang, n);
    const scheme = schemeFor(loaded.values, format);
    // each unit's class, status and label as the feature state of its tile features
    const states = new Map<string, UnitState>();
    for (const value of loaded.values) {
      const cls = scheme.classOf(value);
      const label =
        value.status === 'suppressed'
          ? words.suppressed
          : `${scheme.kind === 'groups' ? (value.classLabel ?? '') : formatNumber(state.lang, value.value)} ${definition?.unit ?? ''}`.trim();
      states.set(value.unit, { cls: cls ?? -1, status: value.status, label });
    }
    view.show(`lor-${state.version}-${state.level}`, states, scheme.colours);
    notices = loaded.values.length === 0 ? [words.noValues] : [];
    showNotices(notices);
    renderLegend(elements.legend, scheme, words, definition?.unit ?? '', loaded.values.some((v) => v.status === 'suppressed'));
    const csvHref = apiUrl(api.valuesPath(state.indicator, state.version, state.level, loaded.date ?? '', 'csv'));
    renderValueTable(elements.table, loaded.values, state.lang, words, csvHref, (unit) => update({ ...state, unit }));
    view.select(state.unit);
    if (state.unit) {
      if (state.unit !== previous.unit || state.version !== previous.version || state.date !== previous.date || state.lang !== previous.lang || elements.profile.hidden) {
        profilePanel.loading(words.loading);
        const profile = await api.profile(state.unit, state.version, state.date);
        if (mine !== generation) return;
        profilePanel.show(profile, catalog, state.lang, words);
        view.reveal(state.unit, elements.profile.offsetWidth);
      }
    } else {
      profilePanel.hide();
    }
    window.datenpoolViewer.error = null;
  } catch (error) {
    if (mine !== generation) return;
    const message = error instanceof Error ? error.message : String(error);
    window.datenpoolViewer.error = message;
    // the controls stay usable, so a bad link (an unknown indicator) can be corrected
    renderControls(elements.controls, state, { catalog: catalogList, dates: [] }, update);
    elements.notice.hidden = false;
    elements.notice.textContent = `${words.failed}${message}`;
    if (state.unit) profilePanel.loading(`${words.failed}${message}`);
  }
  // ready once the map has drawn what was just set; a level whose tiles hold no unit has no geometry
  view.map.once('idle', () => {
    if (mine !== generation) return;
    if (window.datenpoolViewer.error === null && view.drawnUnits() === 0) showNotices([t(state.lang).noGeometry.replace('{version}', state.version), ...notices]);
    window.datenpoolViewer.renders++;
    document.body.dataset.ready = 'true';
  });
  view.map.triggerRepaint();
}

void render(state);
