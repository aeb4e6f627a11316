// Security keys (WebAuthn). The page holds the options the server made; when the form is
// sent, the browser asks the key (touch and PIN) and the key's answer is posted with the
// form for the server to verify. A refusal is posted too, so the server records it and
// shows the error on the page. Without JavaScript or WebAuthn the page says what to do.

const toBuffer = (text) => {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0)).buffer;
};

const toText = (buffer) =>
  btoa(String.fromCharCode(...new Uint8Array(buffer)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

const withIds = (list) => (list || []).map((item) => ({ ...item, id: toBuffer(item.id) }));

const creationOptions = (options) => ({
  ...options,
  challenge: toBuffer(options.challenge),
  user: { ...options.user, id: toBuffer(options.user.id) },
  excludeCredentials: withIds(options.excludeCredentials),
});

const requestOptions = (options) => ({
  ...options,
  challenge: toBuffer(options.challenge),
  allowCredentials: withIds(options.allowCredentials),
});

const serialise = (credential) => {
  const response = credential.response;
  const answer = {
    id: credential.id,
    rawId: toText(credential.rawId),
    type: credential.type,
    authenticatorAttachment: credential.authenticatorAttachment || null,
    clientExtensionResults: credential.getClientExtensionResults(),
    response: { clientDataJSON: toText(response.clientDataJSON) },
  };
  if (response.attestationObject) {
    answer.response.attestationObject = toText(response.attestationObject);
    answer.response.transports = response.getTransports ? response.getTransports() : [];
  } else {
    answer.response.authenticatorData = toText(response.authenticatorData);
    answer.response.signature = toText(response.signature);
    if (response.userHandle) answer.response.userHandle = toText(response.userHandle);
  }
  return answer;
};

const supported = Boolean(window.PublicKeyCredential && navigator.credentials);

for (const block of document.querySelectorAll("[data-security-key]")) {
  const form = block.closest("form");
  const input = form && form.querySelector(`input[name="${block.dataset.field}"]`);
  const optionsElement = document.getElementById(block.dataset.options);
  if (!form || !input || !optionsElement || !supported) continue;
  for (const notice of block.querySelectorAll("[data-no-support]")) notice.hidden = true;
  const options = JSON.parse(optionsElement.textContent);
  form.addEventListener("submit", async (event) => {
    const submitter = event.submitter;
    // "Start again" and other ways out of the step need no key.
    if (form.dataset.keyAnswered || (submitter && submitter.hasAttribute("data-no-key"))) return;
    event.preventDefault();
    let answer;
    try {
      const credential =
        block.dataset.securityKey === "create"
          ? await navigator.credentials.create({ publicKey: creationOptions(options) })
          : await navigator.credentials.get({ publicKey: requestOptions(options) });
      answer = serialise(credential);
    } catch (error) {
      answer = { error: (error && error.name) || "Error" };
    }
    input.value = JSON.stringify(answer);
    form.dataset.keyAnswered = "1";
    if (form.requestSubmit) form.requestSubmit(submitter || undefined);
    else form.submit();
  });
}
