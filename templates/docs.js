// Starts Swagger UI on /docs (a file of its own: pages run no inline script).
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({ url: root.getAttribute("data-openapi"), dom_id: "#swagger-ui", deepLinking: false, defaultModelsExpandDepth: -1 });
});
