// newsdive reference viewer: renders the published deep dives and index pages (schema v1).
// No framework and no innerHTML: every piece of document text goes into the page through text nodes, and only
// absolute http(s) URLs ever become links, so a hostile title or URL in a document stays inert text.
"use strict";

(function () {
  // The taxonomy's categories; any other category a story has is added to the menu once the latest index shows it.
  const CATEGORIES = ["politics", "world", "business", "technology", "science", "health", "sports",
    "entertainment"];
  const ROUTE = /^(index\/(?:latest|blindspots|categories\/[a-z0-9-]+)(?:\/page-\d+)?|deep-dives\/[A-Za-z0-9_-]+)(?:\/([a-z0-9-]+))?$/;
  const DOC_PATH = /^\/((?:index|deep-dives)\/[A-Za-z0-9_/-]+)\.json$/;
  const SIDES = [["left", "L", "Left"], ["center", "C", "Center"], ["right", "R", "Right"]];
  const dateFormat = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone: "UTC" });
  const timeFormat = new Intl.DateTimeFormat("en-US", {
    dateStyle: "medium", timeStyle: "short", timeZone: "UTC", hour12: false,
  });

  // Where the documents are: ?data=<http(s) URL or /path> when they live elsewhere, else this site's root.
  const dataBase = (function () {
    const given = new URLSearchParams(window.location.search).get("data") || "";
    if (/^https?:\/\/[^\s"'<>\\]+$/i.test(given) || /^\/(?!\/)[A-Za-z0-9._~/-]*$/.test(given)) {
      return given.replace(/\/+$/, "");
    }
    return "";
  })();

  // -- DOM helpers: text only ---------------------------------------------------------------------------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "href") node.setAttribute("href", value);
      else if (/^(id|role|title|lang|datetime|rel|target|hidden)$/.test(name) || name.startsWith("aria-") ||
               name.startsWith("data-")) node.setAttribute(name, String(value));
      else throw new Error("attribute not allowed: " + name);
    }
    append(node, children);
    return node;
  }

  function append(node, children) {
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function text(value) {
    return typeof value === "string" ? value : value === null || value === undefined ? "" : String(value);
  }

  // An absolute http(s) URL with nothing a browser could reinterpret; anything else is not a link.
  function safeHref(url) {
    if (typeof url !== "string" || url.length > 2048) return null;
    if (!/^https?:\/\/[^\s"'<>`\\/?#]+[^\s"'<>`\\]*$/i.test(url)) return null;
    try {
      const parsed = new URL(url);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch (_error) {
      return null;
    }
  }

  function externalLink(url, label, cls) {
    const href = safeHref(url);
    if (!href) return el("span", { class: cls }, label);
    return el("a", { class: cls, href: href, rel: "noopener noreferrer nofollow", target: "_blank" }, label);
  }

  // A document path from a card or a `next` link ("/deep-dives/x.json") -> this viewer's route ("#/deep-dives/x").
  function routeOf(path) {
    const match = typeof path === "string" ? DOC_PATH.exec(path) : null;
    return match && ROUTE.test(match[1]) ? "#/" + match[1] : null;
  }

  function formatDate(value, withTime) {
    const when = value ? new Date(value) : null;
    if (!when || isNaN(when.getTime())) return "";
    return withTime ? timeFormat.format(when) + " UTC" : dateFormat.format(when);
  }

  function titleCase(word) {
    const value = text(word);
    return value ? value.charAt(0).toUpperCase() + value.slice(1) : value;
  }

  function percent(value) {
    const number = Number(value);
    return Number.isFinite(number) ? Math.max(0, Math.min(100, Math.round(number))) : 0;
  }

  // -- pieces -------------------------------------------------------------------------------------------

  function rated(bias) {
    const counts = bias && bias.counts ? bias.counts : {};
    return (counts.left || 0) + (counts.center || 0) + (counts.right || 0);
  }

  function biasText(bias) {
    if (!rated(bias)) return "No rated outlet";
    return SIDES.map(([key, letter]) => `${letter} ${percent(bias[key])}%`).join(" · ");
  }

  function biasBar(bias, compact) {
    const bar = el("div", {
      class: compact ? "bar compact" : "bar",
      role: "img",
      "aria-label": rated(bias) ? SIDES.map(([key, , name]) => `${name} ${percent(bias[key])}%`).join(", ")
        : "No rated outlet",
    });
    if (!rated(bias)) {
      bar.appendChild(el("span", { class: "seg unrated" }, compact ? "" : "No rated outlet"));
      bar.firstChild.style.width = "100%";
      return bar;
    }
    for (const [key, letter] of SIDES) {
      const share = percent(bias[key]);
      if (!share) continue;
      const seg = el("span", { class: "seg " + key, "data-side": key, "data-percent": share },
        share >= (compact ? 18 : 9) ? `${letter} ${share}%` : "");
      seg.style.width = share + "%";
      bar.appendChild(seg);
    }
    return bar;
  }

  function labelList(labels, blindspot) {
    const list = el("ul", { class: "labels" });
    for (const label of Array.isArray(labels) ? labels : []) {
      const isBlindspot = blindspot && text(label) === text(blindspot.label);
      list.appendChild(el("li", { class: isBlindspot ? "label blindspot" : "label" }, text(label)));
    }
    return list;
  }

  function metaLine(doc) {
    const parts = [titleCase(doc.category)];
    if (Array.isArray(doc.regions) && doc.regions.length) parts.push(doc.regions.map(text).join(", "));
    const date = formatDate(doc.updated_at || doc.published_at);
    if (date) parts.push(date);
    parts.push(`${doc.read_time_minutes || 1} min read`);
    return parts.filter(Boolean).join(" · ");
  }

  function card(item) {
    const href = routeOf(item.url);
    const body = [
      el("div", { class: "card-top" },
        el("span", { class: "chip category" }, titleCase(item.category)),
        el("span", { class: "card-bias" }, biasText(item.bias))),
      biasBar(item.bias, true),
      el("h3", { class: "card-title" }, text(item.title)),
      el("p", { class: "snippet" }, text(item.snippet)),
      el("p", { class: "card-meta" },
        [formatDate(item.updated_at || item.published_at), `${item.read_time_minutes || 1} min read`,
          `${item.source_count} ${item.source_count === 1 ? "source" : "sources"}`].filter(Boolean).join(" · ")),
      labelList(item.labels, item.blindspot),
    ];
    return href ? el("a", { class: "card", href: href, "data-id": text(item.id) }, body)
      : el("div", { class: "card" }, body);
  }

  // -- pages --------------------------------------------------------------------------------------------

  function renderIndex(page, route) {
    const kind = page.kind;
    const heading = kind === "latest" ? "Latest stories" : kind === "blindspots" ? "Blindspots"
      : titleCase(page.category);
    const intro = kind === "blindspots"
      ? "Stories one side of the spectrum barely covers: a side at or below 15% while the other is at or above 50%."
      : kind === "latest" ? "Every story, newest first, with how the Left, Center and Right cover it."
        : `${titleCase(page.category)} stories, newest first.`;
    const items = Array.isArray(page.items) ? page.items : [];
    const nav = el("nav", { class: "pager", "aria-label": "Pages" });
    if (page.page > 1) nav.appendChild(el("a", { href: "#/" + route.replace(/\/page-\d+$/, "") }, "← First page"));
    nav.appendChild(el("span", { class: "page-number" }, `Page ${page.page}`));
    const next = routeOf(page.next);
    if (next) nav.appendChild(el("a", { class: "next", href: next, rel: "next" }, "Next page →"));
    document.title = `${heading} — newsdive`;
    return el("section", { class: "index", "data-kind": kind },
      el("h1", { class: "page-title" }, heading),
      el("p", { class: "intro" }, intro),
      items.length ? el("div", { class: "cards" }, items.map(card))
        : el("p", { class: "status" }, "No stories here yet."),
      nav);
  }

  function paragraph(p, sides) {
    const side = p.outlet_id && sides[p.outlet_id];
    const node = el("p", { class: side ? "para side-" + side : "para" }, text(p.text));
    if (p.outlet) {
      node.appendChild(document.createTextNode(" "));
      node.appendChild(externalLink(p.url, "— " + text(p.outlet), "attribution"));
    }
    return node;
  }

  function sourcesList(sources) {
    return el("ol", { class: "sources" }, (Array.isArray(sources) ? sources : []).map((s) => el("li", {
      class: "source", "data-side": text(s.side || "unrated"),
    },
    el("span", { class: "chip rating " + text(s.side || "unrated") }, text(s.bias)),
    el("span", { class: "outlet" }, text(s.outlet)),
    externalLink(s.url, text(s.title), "source-title"),
    el("time", { datetime: text(s.published_at) }, formatDate(s.published_at, true)))));
  }

  function keyPlayers(players) {
    return el("ul", { class: "players" }, players.map((p) => el("li", { class: "player" },
      el("span", { class: "player-name" }, text(p.name)),
      el("span", { class: "player-count" },
        `${p.mentions} mentions · ${(p.outlet_ids || []).length} ${(p.outlet_ids || []).length === 1 ? "outlet" : "outlets"}`))));
  }

  function renderDeepDive(doc, sectionId) {
    const sides = {};
    for (const s of Array.isArray(doc.sources) ? doc.sources : []) if (s.side) sides[s.outlet_id] = s.side;
    const generated = new Set(doc.generation && doc.generation.method === "generated"
      ? (doc.generation.sections || []) : []);
    const route = "#/deep-dives/" + doc.id;

    const toc = el("nav", { class: "toc", "aria-label": "Contents" }, el("h2", {}, "Contents"),
      el("ol", {}, (doc.toc || []).map((entry) => el("li", {},
        el("a", { href: `${route}/${encodeURIComponent(text(entry.id))}`, "data-section": text(entry.id) },
          text(entry.title))))));

    const analysis = el("div", { class: "analysis" });
    for (const section of doc.sections || []) {
      const box = el("section", { class: "section", id: "section-" + text(section.id) },
        el("h2", {}, text(section.title)));
      if (generated.has(section.id)) {
        box.classList.add("generated");
        box.appendChild(el("p", { class: "generated-note" },
          `Written by a model (${text(doc.generation.model)}) from the sentences below; the figures and the ` +
          "source list are computed, not generated."));
      }
      if (section.id === "sources" && Array.isArray(doc.sources)) {
        box.appendChild(sourcesList(doc.sources));
      } else if (section.id === "key-players" && Array.isArray(doc.key_players) && doc.key_players.length) {
        box.appendChild(keyPlayers(doc.key_players));
      } else if (section.id === "timeline") {
        box.appendChild(el("ol", { class: "timeline" }, (section.paragraphs || []).map((p) => {
          const item = el("li", { class: /\(first report\)/.test(text(p.text)) ? "first" : "" });
          item.appendChild(paragraph(p, sides));
          return item;
        })));
      } else {
        for (const p of section.paragraphs || []) box.appendChild(paragraph(p, sides));
      }
      analysis.appendChild(box);
    }

    const related = Array.isArray(doc.related) ? doc.related : [];
    const counts = doc.bias && doc.bias.counts ? doc.bias.counts : {};
    const article = el("article", { class: "deep-dive", "data-id": text(doc.id) },
      el("header", { class: "story-head" },
        el("p", { class: "kicker" }, el("a", { class: "chip category", href: "#/index/categories/" +
          encodeURIComponent(text(doc.category)) }, titleCase(doc.category))),
        el("h1", { class: "story-title" }, text(doc.title)),
        el("p", { class: "meta" }, metaLine(doc)),
        el("div", { class: "bias" },
          biasBar(doc.bias, false),
          el("p", { class: "bias-text" }, el("strong", {}, biasText(doc.bias)),
            ` — ${doc.source_count} ${doc.source_count === 1 ? "outlet" : "outlets"}` +
            ` (${counts.left || 0} left, ${counts.center || 0} center, ${counts.right || 0} right` +
            `${doc.bias && doc.bias.unrated ? ", " + doc.bias.unrated + " unrated" : ""}), ` +
            `${doc.article_count} ${doc.article_count === 1 ? "article" : "articles"}`)),
        labelList(doc.labels, doc.blindspot)),
      el("div", { class: "body" }, toc, analysis),
      related.length ? el("section", { class: "related" }, el("h2", {}, "More deep dives you may like"),
        el("div", { class: "cards" }, related.map(card))) : null);
    document.title = `${text(doc.title)} — newsdive`;
    if (sectionId) {
      window.requestAnimationFrame(() => {
        const target = document.getElementById("section-" + sectionId);
        if (target) target.scrollIntoView({ block: "start" });
      });
    }
    return article;
  }

  // -- routing ------------------------------------------------------------------------------------------

  function learnCategories(page) {
    for (const item of Array.isArray(page && page.items) ? page.items : []) {
      if (/^[a-z0-9-]+$/.test(text(item.category)) && !CATEGORIES.includes(item.category)) {
        CATEGORIES.push(item.category);
      }
    }
  }

  function renderNav(route) {
    const nav = document.getElementById("feeds");
    const links = [["index/latest", "Latest"], ["index/blindspots", "Blindspots"]]
      .concat(CATEGORIES.map((c) => ["index/categories/" + c, titleCase(c)]));
    nav.replaceChildren(...links.map(([path, label]) => el("a", {
      href: "#/" + path, "aria-current": route && route.replace(/\/page-\d+$/, "") === path ? "page" : null,
    }, label)));
  }

  function status(message, cls) {
    return el("p", { class: "status " + (cls || "") }, message);
  }

  let current = 0;

  async function show() {
    const app = document.getElementById("app");
    const hash = decodeURIComponent(window.location.hash.replace(/^#\/?/, "")) || "index/latest";
    const match = ROUTE.exec(hash);
    renderNav(match ? match[1] : null);
    if (!match) {
      app.replaceChildren(status("There is no such page.", "error"));
      return;
    }
    const [, path, sectionId] = match;
    const request = ++current;
    const previous = app.querySelector("[data-doc]");
    if (previous && previous.getAttribute("data-doc") === path) {  // same document: only jump to the section
      const target = sectionId && document.getElementById("section-" + sectionId);
      if (target) target.scrollIntoView({ block: "start" });
      return;
    }
    app.replaceChildren(status("Loading…"));
    try {
      const response = await fetch(`${dataBase}/${path}.json`, { credentials: "omit", headers: { Accept: "application/json" } });
      if (request !== current) return;
      if (!response.ok) {
        app.replaceChildren(status(response.status === 404 || response.status === 403
          ? "Nothing has been published here yet." : `The document could not be loaded (HTTP ${response.status}).`,
        "error"));
        return;
      }
      const doc = await response.json();
      if (request !== current) return;
      if (path === "index/latest") {
        learnCategories(doc);
        renderNav(path);
      }
      const view = path.startsWith("deep-dives/") ? renderDeepDive(doc, sectionId) : renderIndex(doc, path);
      const holder = el("div", { "data-doc": path }, view);
      app.replaceChildren(holder);
      if (!sectionId) window.scrollTo(0, 0);
    } catch (error) {
      if (request === current) app.replaceChildren(status("The document could not be loaded.", "error"));
    }
  }

  window.addEventListener("hashchange", show);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", show);
  else show();
})();
