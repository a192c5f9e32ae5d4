// Swagger UI for /api/openapi.json, from files this gateway serves itself. validatorUrl is
// off: its badge would otherwise be fetched from an outside site.
window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: "/api/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    docExpansion: "none",
    defaultModelsExpandDepth: 0,
    persistAuthorization: false,
    requestInterceptor: function (request) {
      // a browser session must echo its CSRF token on changing requests
      var token = window.sessionStorage.getItem("care_csrf");
      if (token) { request.headers["X-CSRF-Token"] = token; }
      return request;
    },
    responseInterceptor: function (response) {
      if (response.url.endsWith("/api/session") && response.body && response.body.csrf_token) {
        window.sessionStorage.setItem("care_csrf", response.body.csrf_token);
      }
      return response;
    }
  });
};
