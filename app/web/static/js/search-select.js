// Searching select boxes (counterparty, approvers on the invoice card): the <select> holds only
// the chosen row; select2 asks the server for matches as the user types, a page at a time.
(function ($) {
  "use strict";
  $(function () {
    $("select[data-search-url]").each(function () {
      var select = $(this);
      select.select2({
        allowClear: true,
        placeholder: select.data("placeholder") || "",
        width: "100%",
        ajax: {
          url: select.data("search-url"),
          dataType: "json",
          delay: 200,
          data: function (params) { return { q: params.term || "", page: params.page || 1 }; },
          processResults: function (data) {
            return { results: data.results, pagination: { more: data.more } };
          }
        }
      });
    });
  });
})(jQuery);
