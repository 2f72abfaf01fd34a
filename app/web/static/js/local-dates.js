// Date boxes typed the reader's way (app/web/date_input.py): FAB's bootstrap-datepicker with
// the language, format and first weekday the server put in data-calendar. It never rewrites
// what was typed (forceParse off): the server reads the text and says what is wrong with it.
(function ($) {
  "use strict";
  $(function () {
    $("input.local-date[data-calendar]").each(function () {
      var input = $(this);
      var settings = input.data("calendar");
      $.fn.datepicker.dates[settings.language] = $.extend(
        { titleFormat: "MM yyyy", format: settings.format, weekStart: settings.weekStart },
        settings.names
      );
      input.datepicker({
        language: settings.language,
        format: settings.format,
        weekStart: settings.weekStart,
        forceParse: false,
        autoclose: true,
        todayHighlight: true,
        todayBtn: "linked"
      });
    });
  });
})(jQuery);
