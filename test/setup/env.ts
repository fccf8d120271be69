// The SDK's notice that its 2027 releases need Node 22 is for upgrades, not for test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
