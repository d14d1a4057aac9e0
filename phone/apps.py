from django.apps import AppConfig


class PhoneConfig(AppConfig):
    name = "phone"
    verbose_name = "Phone app"
