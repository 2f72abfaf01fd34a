// On a phone, a table with a header row is read as a stack of cards, one per row: each cell is
// labelled with its column's name (responsive.css lays the cards out on small screens only).
// Any Bootstrap table (class "table") with a header row qualifies, whatever its columns, so
// lists that gain columns keep fitting. A table marked data-stack="no" keeps its columns.
// Without this script, cells wrap and a table in .table-responsive scrolls in its own box.
(function () {
  "use strict";

  function headerRow(table) {
    if (table.tHead && table.tHead.rows.length) {
      return table.tHead.rows[0];
    }
    var first = table.rows[0];
    if (!first || !first.cells.length) {
      return null;
    }
    for (var i = 0; i < first.cells.length; i++) {
      if (first.cells[i].tagName !== "TH") {
        return null;
      }
    }
    return first;
  }

  function columnLabels(header) {
    var labels = [];
    for (var i = 0; i < header.cells.length; i++) {
      var cell = header.cells[i];
      // Without the sorting arrow a header may carry (← ↑ → ↓ ↕).
      var text = cell.textContent.replace(/[\u2190-\u21ff]/g, "").replace(/\s+/g, " ").trim();
      for (var span = 0; span < cell.colSpan; span++) {
        labels.push(text);
      }
    }
    return labels;
  }

  function labelCells(row, labels) {
    var column = 0;
    for (var i = 0; i < row.cells.length; i++) {
      var cell = row.cells[i];
      // A cell spanning several columns (such as "nothing here yet") speaks for itself.
      if (cell.colSpan === 1 && labels[column] && !cell.hasAttribute("data-label")) {
        cell.setAttribute("data-label", labels[column]);
      }
      column += cell.colSpan;
    }
  }

  function stack(table) {
    var header = headerRow(table);
    if (!header) {
      return;
    }
    var labels = columnLabels(header);
    for (var i = 0; i < table.rows.length; i++) {
      if (table.rows[i] !== header) {
        labelCells(table.rows[i], labels);
      }
    }
    header.classList.add("if-stack-header");
    // Sorting links stay reachable on a phone: the header shows as a row of links.
    if (header.querySelector("a")) {
      header.classList.add("if-stack-sort");
    }
    table.classList.add("if-stacked");
    if (table.parentNode.classList.contains("table-responsive")) {
      table.parentNode.classList.add("if-stacked-box");
    }
  }

  var tables = document.querySelectorAll('table.table:not([data-stack="no"])');
  for (var i = 0; i < tables.length; i++) {
    stack(tables[i]);
  }
})();
